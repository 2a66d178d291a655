# Reading numpy arrays in the compiled parts of the model, checked, without typed memoryviews (cimported by the
# .pyx files beside it).
#
# A typed memoryview costs some 0.25 µs to take: Cython makes an object for it and asks numpy for the array's
# format string, which numpy writes anew each time. The day's compiled calls took some 150 of them a simulated day.
# These take an array's data through the buffer protocol with no format asked for (some 0.05 µs), after checking
# its dtype against the caller's dtype object (numpy keeps one object per built-in dtype, so the check is an
# identity, with equality as the fallback). The buffer is released at once: the caller holds the array (an
# argument, or an array it made) for as long as it reads the data, and numpy keeps an array's data while the array
# lives. Nothing is bounds-checked in the loops that read them, so every length is checked here.

from cpython.buffer cimport PyBUF_C_CONTIGUOUS, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer


cdef inline char* array_data(object a, object dtype, int ndim, Py_ssize_t* shape, bint writable,
                             str name) except NULL:
    """The data of `a`, a C-contiguous numpy array of `dtype` with `ndim` dimensions (1 to 3), writable if asked;
    its lengths are written to `shape`. Anything else stops with an error that names the argument."""
    cdef Py_buffer view
    cdef object got = getattr(a, "dtype", None)
    cdef int i
    if got is not dtype and not (got is not None and got == dtype):
        raise TypeError(f"{name}: a numpy array of {dtype} was expected, not {type(a).__name__}"
                        f"{'' if got is None else ' of ' + str(got)}")
    try:
        PyObject_GetBuffer(a, &view, PyBUF_C_CONTIGUOUS | (PyBUF_WRITABLE if writable else 0))
    except (BufferError, ValueError) as error:   # not C-contiguous, or read-only where it is written
        raise ValueError(f"{name}: {error}") from None
    cdef char* data = <char*>view.buf
    cdef int got_ndim = view.ndim
    if got_ndim == ndim:
        for i in range(ndim):
            shape[i] = view.shape[i]
    PyBuffer_Release(&view)
    if got_ndim != ndim:
        raise ValueError(f"{name}: {ndim} dimension(s) expected, not {got_ndim}")
    if data == NULL:   # numpy gives every array some data, even of no items; a NULL here would read as an error
        raise ValueError(f"{name}: the array has no data")
    return data


cdef inline char* vector(object a, object dtype, Py_ssize_t n, bint writable, str name) except NULL:
    """The data of `a`, a C-contiguous numpy array of `dtype` holding `n` items in one dimension (any length if n is
    negative), writable if asked."""
    cdef Py_ssize_t length
    cdef char* data = array_data(a, dtype, 1, &length, writable, name)
    if n >= 0 and length != n:
        raise ValueError(f"{name}: {n} items expected, not {length}")
    return data
