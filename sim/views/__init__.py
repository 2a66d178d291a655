"""Views: the policymaker report and the classroom app, with the labels and palette they share."""
