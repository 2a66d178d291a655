# Sums made in numpy's order, for the compiled parts of the model (cimported by the .pyx files beside it).
#
# ``ndarray.sum`` over a contiguous run of doubles adds pairwise: halves down to blocks of at most 128, each block
# added in eight running sums, then combined ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), and the block's
# last few items one by one. A compiled loop that adds in this order gives numpy's sum to the last bit.


cdef inline double _block_sum(const double* a, Py_ssize_t n, Py_ssize_t nonzero) noexcept:
    cdef double r[8]
    cdef double total = 0.0
    cdef Py_ssize_t i, j, end = min(n, nonzero)
    if n < 8:
        for i in range(end):
            total += a[i]
        return total
    for j in range(8):
        r[j] = a[j]
    i = 8
    while i < n - n % 8 and i < end:
        for j in range(8):
            r[j] += a[i + j]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    i = max(i, n - n % 8)
    while i < end:
        total += a[i]
        i += 1
    return total


cdef inline double numpy_sum(const double* a, Py_ssize_t n, Py_ssize_t nonzero) noexcept:
    """``a[:n].sum()`` as numpy makes it: halves down to blocks of at most 128, each added in eight running sums.
    The items from `nonzero` on are zeros (the caller knows where they start: the day rule's ledger says where its
    owed work ends; pass n if nothing is known), and adding a zero changes no bit, so they are not added."""
    cdef Py_ssize_t half
    if nonzero <= 0:
        return 0.0
    if n <= 128:
        return _block_sum(a, n, nonzero)
    half = n // 2
    half -= half % 8
    return numpy_sum(a, half, nonzero) + numpy_sum(a + half, n - half, nonzero - half)
