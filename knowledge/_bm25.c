/*
 * The inner loops of knowledge/index/'s search (maxscore.py, postings.py), compiled.
 *
 * numpy reads a posting in about 45 ns across its several passes (gather the passage length,
 * compute the weight, scatter-add, mark the union); one pass in C takes a few. A question made
 * only of frequent terms reads over a million postings at 1M passages, so this is what bounds
 * the slowest questions. The index works without this module (numpy only), and gives the same
 * results to the bit: each weight is the same expression, evaluated in the same order, as
 * knowledge/index/bm25.py's weights and rank_bm25 evaluate it (built with -ffp-contract=off,
 * no fast-math).
 *
 * Arrays come in through the buffer protocol: int32 postings and passage lengths ('i'), float64
 * scores ('d'), uint8 marks ('B'). Every passage id is checked against the buffers' size. The
 * GIL is released around the loops; callers serialise use of the shared scratch buffers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

typedef struct {
    Py_buffer view;
    int held;
} Buf;

static int format_is(const Py_buffer *view, char code) {
    const char *f = view->format ? view->format : "B";
    if (*f == '<' || *f == '=' || *f == '@') {
        f++;
    }
    if (code == 'i' && *f == 'l' && view->itemsize == 4 && f[1] == '\0') {
        return 1; /* int32 spelt as long on platforms where long is 32 bits */
    }
    if (code == 'q' && *f == 'l' && view->itemsize == 8 && f[1] == '\0') {
        return 1; /* int64 spelt as long where long is 64 bits (numpy's int64 on Linux) */
    }
    return *f == code && f[1] == '\0';
}

/* Borrow ``obj``'s memory as a C-contiguous 1-D array of ``code`` items. */
static int get_buf(PyObject *obj, Buf *buf, char code, Py_ssize_t itemsize, int writable) {
    int flags = PyBUF_FORMAT | PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &buf->view, flags) < 0) {
        return -1;
    }
    buf->held = 1;
    if (buf->view.itemsize != itemsize || !format_is(&buf->view, code) || buf->view.ndim > 1) {
        PyErr_Format(PyExc_TypeError, "expected a 1-D array of '%c' items", code);
        return -1;
    }
    return 0;
}

static void release(Buf *buf) {
    if (buf->held) {
        PyBuffer_Release(&buf->view);
        buf->held = 0;
    }
}

static Py_ssize_t count(const Buf *buf) { return buf->view.len / buf->view.itemsize; }

typedef struct {
    double idf, k1p1, k1, omb, b, avgdl;
} Weight;

/* knowledge/index/bm25.py's weights:
 * idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))). */
static inline double weight(const Weight *w, double tf, double dl) {
    return w->idf * (tf * w->k1p1 / (tf + w->k1 * (w->omb + w->b * dl / w->avgdl)));
}

/* A min-heap of the k largest values seen: heap[0] is the k-th largest once size == k. */
typedef struct {
    double *v;
    Py_ssize_t size, k;
} TopK;

static inline void topk_push(TopK *h, double v) {
    double *heap = h->v;
    if (h->size < h->k) {
        Py_ssize_t c = h->size++;
        while (c > 0 && heap[(c - 1) / 2] > v) {
            heap[c] = heap[(c - 1) / 2];
            c = (c - 1) / 2;
        }
        heap[c] = v;
    } else if (v > heap[0]) {
        Py_ssize_t c = 0, k = h->k;
        for (;;) {
            Py_ssize_t l = 2 * c + 1, m = c;
            double least = v;
            if (l < k && heap[l] < least) {
                m = l;
                least = heap[l];
            }
            if (l + 1 < k && heap[l + 1] < least) {
                m = l + 1;
            }
            if (m == c) {
                break;
            }
            heap[c] = heap[m];
            c = m;
        }
        heap[c] = v;
    }
}

/* One term's or concept's postings, as (ids, tfs) pairs of int32 arrays. */
typedef struct {
    Buf *ids;
    Buf *tfs;
    Py_ssize_t n;
} Parts;

static int get_parts(PyObject *seq, Parts *parts) {
    PyObject *fast = PySequence_Fast(seq, "parts must be a sequence of (ids, tfs)");
    if (fast == NULL) {
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    parts->n = 0;
    parts->ids = PyMem_Calloc(n ? n : 1, sizeof(Buf));
    parts->tfs = PyMem_Calloc(n ? n : 1, sizeof(Buf));
    if (parts->ids == NULL || parts->tfs == NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(fast, i);
        PyObject *ids, *tfs;
        if (!PyArg_ParseTuple(pair, "OO", &ids, &tfs)) {
            Py_DECREF(fast);
            return -1;
        }
        parts->n = i + 1;
        if (get_buf(ids, &parts->ids[i], 'i', 4, 0) < 0 ||
            get_buf(tfs, &parts->tfs[i], 'i', 4, 0) < 0) {
            Py_DECREF(fast);
            return -1;
        }
        if (count(&parts->ids[i]) != count(&parts->tfs[i])) {
            Py_DECREF(fast);
            PyErr_SetString(PyExc_ValueError, "ids and tfs differ in length");
            return -1;
        }
    }
    Py_DECREF(fast);
    return 0;
}

static void release_parts(Parts *parts) {
    for (Py_ssize_t i = 0; i < parts->n; i++) {
        release(&parts->ids[i]);
        release(&parts->tfs[i]);
    }
    PyMem_Free(parts->ids);
    PyMem_Free(parts->tfs);
}

/*
 * accumulate(parts, idf, k1, b, avgdl, doc_len, scores, tf_buf, mark, union, n_union, local, k)
 *
 * Adds one concept's weight to scores[id] for every passage holding any of its terms (the
 * counts of a passage's terms are summed first: a concept scores as one term) and appends the
 * passages not yet marked to union[n_union:]; postings of removed passages (length 0) are
 * skipped. Returns (new length of union, the k-th largest
 * score among the passages this concept touched, or -inf when it touched fewer than k): with
 * scores that only grow, that is a lower bound of the union's k-th best, had in the same pass.
 * tf_buf must be all zero and is left so; local is scratch of the same size.
 */
static PyObject *accumulate(PyObject *self, PyObject *args) {
    PyObject *parts_obj, *len_obj, *scores_obj, *tfbuf_obj, *mark_obj, *union_obj, *local_obj;
    Weight w;
    Py_ssize_t n_union, k;
    if (!PyArg_ParseTuple(args, "OddddOOOOOnOn", &parts_obj, &w.idf, &w.k1, &w.b, &w.avgdl,
                          &len_obj, &scores_obj, &tfbuf_obj, &mark_obj, &union_obj, &n_union,
                          &local_obj, &k)) {
        return NULL;
    }
    if (k < 1) {
        PyErr_SetString(PyExc_ValueError, "k must be at least 1");
        return NULL;
    }
    w.k1p1 = w.k1 + 1;
    w.omb = 1 - w.b;
    Parts parts = {0};
    Buf doc_len = {0}, scores = {0}, tf_buf = {0}, mark = {0}, uni = {0}, local = {0};
    PyObject *result = NULL;
    double *heap = PyMem_Malloc((size_t)k * sizeof(double));
    TopK top = {heap, 0, k};
    if (heap == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (get_parts(parts_obj, &parts) < 0 || get_buf(len_obj, &doc_len, 'i', 4, 0) < 0 ||
        get_buf(scores_obj, &scores, 'd', 8, 1) < 0 ||
        get_buf(tfbuf_obj, &tf_buf, 'i', 4, 1) < 0 || get_buf(mark_obj, &mark, 'B', 1, 1) < 0 ||
        get_buf(union_obj, &uni, 'i', 4, 1) < 0 || get_buf(local_obj, &local, 'i', 4, 1) < 0) {
        goto done;
    }
    Py_ssize_t cap = count(&doc_len);
    if (count(&scores) < cap || count(&tf_buf) < cap || count(&mark) < cap ||
        count(&uni) < cap || count(&local) < cap || n_union < 0 || n_union > cap) {
        PyErr_SetString(PyExc_ValueError, "scratch buffers smaller than the passage table");
        goto done;
    }
    const int32_t *dl = doc_len.view.buf;
    double *sc = scores.view.buf;
    int32_t *tb = tf_buf.view.buf;
    uint8_t *mk = mark.view.buf;
    int32_t *un = uni.view.buf;
    int32_t *lo = local.view.buf;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS;
    if (parts.n == 1) {
        const int32_t *ids = parts.ids[0].view.buf;
        const int32_t *tfs = parts.tfs[0].view.buf;
        Py_ssize_t n = count(&parts.ids[0]);
        for (Py_ssize_t i = 0; i < n; i++) {
            uint32_t id = (uint32_t)ids[i];
            if (id >= (uint64_t)cap) {
                bad = 1;
                break;
            }
            if (!dl[id]) {
                continue; /* a removed passage's posting, left until the next save */
            }
            sc[id] += weight(&w, (double)tfs[i], (double)dl[id]);
            topk_push(&top, sc[id]);
            if (!mk[id]) {
                mk[id] = 1;
                un[n_union++] = (int32_t)id;
            }
        }
    } else {
        Py_ssize_t n_local = 0;
        for (Py_ssize_t p = 0; p < parts.n && !bad; p++) {
            const int32_t *ids = parts.ids[p].view.buf;
            const int32_t *tfs = parts.tfs[p].view.buf;
            Py_ssize_t n = count(&parts.ids[p]);
            for (Py_ssize_t i = 0; i < n; i++) {
                uint32_t id = (uint32_t)ids[i];
                if (id >= (uint64_t)cap) {
                    bad = 1;
                    break;
                }
                if (!dl[id]) {
                    continue;
                }
                if (tb[id] == 0) {
                    lo[n_local++] = (int32_t)id;
                }
                tb[id] += tfs[i];
            }
        }
        for (Py_ssize_t i = 0; i < n_local; i++) {
            int32_t id = lo[i];
            if (!bad) {
                sc[id] += weight(&w, (double)tb[id], (double)dl[id]);
                topk_push(&top, sc[id]);
                if (!mk[id]) {
                    mk[id] = 1;
                    un[n_union++] = id;
                }
            }
            tb[id] = 0;
        }
    }
    Py_END_ALLOW_THREADS;
    if (bad) {
        PyErr_SetString(PyExc_IndexError, "passage id beyond the passage table");
        goto done;
    }
    result = Py_BuildValue("(nd)", n_union, top.size == k ? heap[0] : -INFINITY);
done:
    PyMem_Free(heap);
    release_parts(&parts);
    release(&doc_len);
    release(&scores);
    release(&tf_buf);
    release(&mark);
    release(&uni);
    release(&local);
    return result;
}

/*
 * When the union holds most of the table, a sequential sweep of the table (scores with their
 * marks) is faster than reaching each passage through the union.
 */
#define DENSE(n, cap) ((n) > (cap) / 4)

/* The checks of the functions that read scores[union[:n]]: ids only where they are read. */
static int union_args(Buf *scores, Buf *mark, Buf *uni, Py_ssize_t n) {
    Py_ssize_t cap = count(scores);
    if (n < 0 || n > count(uni) || count(mark) < cap) {
        PyErr_SetString(PyExc_ValueError, "n beyond the union, or marks shorter than scores");
        return -1;
    }
    if (DENSE(n, cap)) {
        return 0; /* the union is not read: the table is swept */
    }
    const int32_t *un = uni->view.buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        if ((uint32_t)un[i] >= (uint64_t)cap) {
            PyErr_SetString(PyExc_IndexError, "passage id beyond the score table");
            return -1;
        }
    }
    return 0;
}

/*
 * kth_largest(scores, union, n, k): the k-th largest of scores[union[:n]] (1 <= k <= n), by a
 * min-heap of k: one comparison for most passages, where np.partition would copy them all.
 */
static PyObject *kth_largest(PyObject *self, PyObject *args) {
    PyObject *scores_obj, *mark_obj, *union_obj;
    Py_ssize_t n, k;
    if (!PyArg_ParseTuple(args, "OOOnn", &scores_obj, &mark_obj, &union_obj, &n, &k)) {
        return NULL;
    }
    Buf scores = {0}, mark = {0}, uni = {0};
    PyObject *result = NULL;
    double *heap = NULL;
    if (get_buf(scores_obj, &scores, 'd', 8, 0) < 0 || get_buf(mark_obj, &mark, 'B', 1, 0) < 0 ||
        get_buf(union_obj, &uni, 'i', 4, 0) < 0 || union_args(&scores, &mark, &uni, n) < 0) {
        goto done;
    }
    if (k < 1 || k > n) {
        PyErr_SetString(PyExc_ValueError, "k must be between 1 and n");
        goto done;
    }
    heap = PyMem_Malloc((size_t)k * sizeof(double));
    if (heap == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const double *sc = scores.view.buf;
    const int32_t *un = uni.view.buf;
    const uint8_t *mk = mark.view.buf;
    Py_ssize_t cap = count(&scores);
    TopK top = {heap, 0, k};
    Py_BEGIN_ALLOW_THREADS;
    if (DENSE(n, cap)) {
        for (Py_ssize_t i = 0; i < cap; i++) {
            double v = mk[i] ? sc[i] : -INFINITY; /* a select, not a branch */
            if (top.size < k || v > top.v[0]) {
                topk_push(&top, v);
            }
        }
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            topk_push(&top, sc[un[i]]);
        }
    }
    Py_END_ALLOW_THREADS;
    result = PyFloat_FromDouble(heap[0]);
done:
    PyMem_Free(heap);
    release(&scores);
    release(&mark);
    release(&uni);
    return result;
}

/*
 * select_at_least(scores, mark, union, n, threshold, out): writes the ids of union[:n] whose
 * score is at least threshold to out (in union order, or in id order when the union is swept
 * through the table); returns how many.
 */
static PyObject *select_at_least(PyObject *self, PyObject *args) {
    PyObject *scores_obj, *mark_obj, *union_obj, *out_obj;
    Py_ssize_t n;
    double threshold;
    if (!PyArg_ParseTuple(args, "OOOndO", &scores_obj, &mark_obj, &union_obj, &n, &threshold,
                          &out_obj)) {
        return NULL;
    }
    Buf scores = {0}, mark = {0}, uni = {0}, out = {0};
    PyObject *result = NULL;
    if (get_buf(scores_obj, &scores, 'd', 8, 0) < 0 || get_buf(mark_obj, &mark, 'B', 1, 0) < 0 ||
        get_buf(union_obj, &uni, 'i', 4, 0) < 0 || get_buf(out_obj, &out, 'i', 4, 1) < 0 ||
        union_args(&scores, &mark, &uni, n) < 0) {
        goto done;
    }
    if (count(&out) < n) {
        PyErr_SetString(PyExc_ValueError, "out smaller than the union");
        goto done;
    }
    const double *sc = scores.view.buf;
    const int32_t *un = uni.view.buf;
    const uint8_t *mk = mark.view.buf;
    int32_t *o = out.view.buf;
    Py_ssize_t m = 0, cap = count(&scores);
    Py_BEGIN_ALLOW_THREADS;
    if (DENSE(n, cap)) {
        /* Without branches: which passages pass is as unpredictable as a coin. */
        for (Py_ssize_t i = 0; i < cap; i++) {
            o[m] = (int32_t)i;
            m += (mk[i] != 0) & (sc[i] >= threshold);
        }
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            o[m] = un[i];
            m += sc[un[i]] >= threshold;
        }
    }
    Py_END_ALLOW_THREADS;
    result = PyLong_FromSsize_t(m);
done:
    release(&scores);
    release(&mark);
    release(&uni);
    release(&out);
    return result;
}

/* clear(scores, mark, union, n): zero scores[id] and mark[id] for the ids of union[:n]. */
static PyObject *clear(PyObject *self, PyObject *args) {
    PyObject *scores_obj, *mark_obj, *union_obj;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "OOOn", &scores_obj, &mark_obj, &union_obj, &n)) {
        return NULL;
    }
    Buf scores = {0}, mark = {0}, uni = {0};
    PyObject *result = NULL;
    if (get_buf(scores_obj, &scores, 'd', 8, 1) < 0 || get_buf(mark_obj, &mark, 'B', 1, 1) < 0 ||
        get_buf(union_obj, &uni, 'i', 4, 0) < 0 || union_args(&scores, &mark, &uni, n) < 0) {
        goto done;
    }
    double *sc = scores.view.buf;
    uint8_t *mk = mark.view.buf;
    const int32_t *un = uni.view.buf;
    Py_ssize_t cap = count(&scores);
    if (DENSE(n, cap)) {
        memset(sc, 0, (size_t)cap * sizeof(double));
        memset(mk, 0, (size_t)cap);
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            sc[un[i]] = 0.0;
            mk[un[i]] = 0;
        }
    }
    result = Py_NewRef(Py_None);
done:
    release(&scores);
    release(&mark);
    release(&uni);
    return result;
}

/* First index in ids[from:n] whose id is >= target (ids sorted): gallop, then bisect. */
static inline Py_ssize_t seek(const int32_t *ids, Py_ssize_t n, Py_ssize_t from, int32_t target) {
    Py_ssize_t lo = from, step = 1, hi = from;
    while (hi < n && ids[hi] < target) {
        lo = hi + 1;
        hi = from + step;
        step *= 2;
    }
    if (hi > n) {
        hi = n;
    }
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < target) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/*
 * exact(concepts, idfs, k1, b, avgdl, doc_len, candidates, values): the BM25 score of each
 * candidate (sorted ascending, distinct), written to values. Concepts are added in the
 * question's order, as BM25Okapi adds its terms; each is a list of (ids, tfs) parts whose
 * counts sum for a passage. Postings are searched by galloping from the previous candidate.
 */
static PyObject *exact(PyObject *self, PyObject *args) {
    PyObject *concepts_obj, *idfs_obj, *len_obj, *cand_obj, *values_obj;
    double k1, b, avgdl;
    if (!PyArg_ParseTuple(args, "OOdddOOO", &concepts_obj, &idfs_obj, &k1, &b, &avgdl, &len_obj,
                          &cand_obj, &values_obj)) {
        return NULL;
    }
    PyObject *concepts = PySequence_Fast(concepts_obj, "concepts must be a sequence");
    if (concepts == NULL) {
        return NULL;
    }
    PyObject *idfs = PySequence_Fast(idfs_obj, "idfs must be a sequence");
    if (idfs == NULL) {
        Py_DECREF(concepts);
        return NULL;
    }
    Buf doc_len = {0}, cand = {0}, values = {0};
    PyObject *result = NULL;
    Py_ssize_t n_concepts = PySequence_Fast_GET_SIZE(concepts);
    if (PySequence_Fast_GET_SIZE(idfs) != n_concepts) {
        PyErr_SetString(PyExc_ValueError, "one idf per concept");
        goto done;
    }
    if (get_buf(len_obj, &doc_len, 'i', 4, 0) < 0 || get_buf(cand_obj, &cand, 'i', 4, 0) < 0 ||
        get_buf(values_obj, &values, 'd', 8, 1) < 0) {
        goto done;
    }
    Py_ssize_t m = count(&cand), cap = count(&doc_len);
    if (count(&values) < m) {
        PyErr_SetString(PyExc_ValueError, "values smaller than candidates");
        goto done;
    }
    const int32_t *cd = cand.view.buf;
    for (Py_ssize_t i = 0; i < m; i++) {
        if ((uint32_t)cd[i] >= (uint64_t)cap || (i && cd[i] <= cd[i - 1])) {
            PyErr_SetString(PyExc_ValueError, "candidates must be sorted, distinct, in range");
            goto done;
        }
    }
    const int32_t *dl = doc_len.view.buf;
    double *val = values.view.buf;
    int64_t *tf = PyMem_Calloc(m ? m : 1, sizeof(int64_t));
    if (tf == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memset(val, 0, (size_t)m * sizeof(double));
    for (Py_ssize_t c = 0; c < n_concepts; c++) {
        Weight w = {0};
        w.idf = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(idfs, c));
        if (w.idf == -1.0 && PyErr_Occurred()) {
            PyMem_Free(tf);
            goto done;
        }
        w.k1 = k1;
        w.b = b;
        w.avgdl = avgdl;
        w.k1p1 = k1 + 1;
        w.omb = 1 - b;
        Parts parts = {0};
        if (get_parts(PySequence_Fast_GET_ITEM(concepts, c), &parts) < 0) {
            release_parts(&parts);
            PyMem_Free(tf);
            goto done;
        }
        Py_BEGIN_ALLOW_THREADS;
        memset(tf, 0, (size_t)m * sizeof(int64_t));
        for (Py_ssize_t p = 0; p < parts.n; p++) {
            const int32_t *ids = parts.ids[p].view.buf;
            const int32_t *tfs = parts.tfs[p].view.buf;
            Py_ssize_t n = count(&parts.ids[p]), at = 0;
            for (Py_ssize_t i = 0; i < m && at < n; i++) {
                at = seek(ids, n, at, cd[i]);
                if (at < n && ids[at] == cd[i]) {
                    tf[i] += tfs[at];
                }
            }
        }
        for (Py_ssize_t i = 0; i < m; i++) {
            if (tf[i] > 0) {
                val[i] += weight(&w, (double)tf[i], (double)dl[cd[i]]);
            }
        }
        Py_END_ALLOW_THREADS;
        release_parts(&parts);
    }
    PyMem_Free(tf);
    result = Py_NewRef(Py_None);
done:
    Py_DECREF(concepts);
    Py_DECREF(idfs);
    release(&doc_len);
    release(&cand);
    release(&values);
    return result;
}

/*
 * The bound parts of postings id[0:n] (see term_bound) into out[0:3]; 1 if a posting is out
 * of range or has a count below 1. Called without the GIL.
 */
static int bound_parts(const int32_t *id, const int32_t *tf, Py_ssize_t n, const int32_t *dl,
                       Py_ssize_t cap, double *out) {
    double tf_max = 0, ratio_min = INFINITY, dl_min = INFINITY;
    for (Py_ssize_t i = 0; i < n; i++) {
        if ((uint32_t)id[i] >= (uint64_t)cap || tf[i] <= 0) {
            return 1;
        }
        double t = (double)tf[i], d = (double)dl[id[i]];
        if (d == 0) {
            continue; /* removed: bounds nothing */
        }
        if (t > tf_max) {
            tf_max = t;
        }
        if (d / t < ratio_min) {
            ratio_min = d / t;
        }
        if (d < dl_min) {
            dl_min = d;
        }
    }
    out[0] = tf_max;
    out[1] = ratio_min;
    out[2] = dl_min;
    return 0;
}

/*
 * term_bound(ids, tfs, doc_len): (largest tf, smallest dl / tf, smallest dl) over one term's
 * postings of live passages ((0, inf, inf) when there are none), which bound its BM25 weight whatever avgdl is (see Postings.bound in knowledge/index/postings.py). A
 * question's first use of a frequent term pays this once; numpy's three passes over 700k
 * postings took 10 ms.
 */
static PyObject *term_bound(PyObject *self, PyObject *args) {
    PyObject *ids_obj, *tfs_obj, *len_obj;
    if (!PyArg_ParseTuple(args, "OOO", &ids_obj, &tfs_obj, &len_obj)) {
        return NULL;
    }
    Buf ids = {0}, tfs = {0}, doc_len = {0};
    PyObject *result = NULL;
    if (get_buf(ids_obj, &ids, 'i', 4, 0) < 0 || get_buf(tfs_obj, &tfs, 'i', 4, 0) < 0 ||
        get_buf(len_obj, &doc_len, 'i', 4, 0) < 0) {
        goto done;
    }
    Py_ssize_t n = count(&ids), cap = count(&doc_len);
    if (count(&tfs) != n || n == 0) {
        PyErr_SetString(PyExc_ValueError, "ids and tfs must be non-empty and of one length");
        goto done;
    }
    const int32_t *id = ids.view.buf, *tf = tfs.view.buf, *dl = doc_len.view.buf;
    double parts[3];
    int bad;
    Py_BEGIN_ALLOW_THREADS;
    bad = bound_parts(id, tf, n, dl, cap, parts);
    Py_END_ALLOW_THREADS;
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "posting out of range or with a count below 1");
        goto done;
    }
    result = Py_BuildValue("(ddd)", parts[0], parts[1], parts[2]);
done:
    release(&ids);
    release(&tfs);
    release(&doc_len);
    return result;
}

/*
 * union_count(parts, mark, doc_len): how many distinct live passages (length above 0) the
 * parts' ids name (a concept's df), marking them in one pass and unmarking in a second; mark
 * must be all zero and is left so.
 */
static PyObject *union_count(PyObject *self, PyObject *args) {
    PyObject *parts_obj, *mark_obj, *len_obj;
    if (!PyArg_ParseTuple(args, "OOO", &parts_obj, &mark_obj, &len_obj)) {
        return NULL;
    }
    Parts parts = {0};
    Buf mark = {0}, doc_len = {0};
    PyObject *result = NULL;
    if (get_parts(parts_obj, &parts) < 0 || get_buf(mark_obj, &mark, 'B', 1, 1) < 0 ||
        get_buf(len_obj, &doc_len, 'i', 4, 0) < 0) {
        goto done;
    }
    Py_ssize_t cap = count(&doc_len), distinct = 0;
    if (count(&mark) < cap) {
        PyErr_SetString(PyExc_ValueError, "mark smaller than the passage table");
        goto done;
    }
    uint8_t *mk = mark.view.buf;
    const int32_t *dl = doc_len.view.buf;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS;
    for (Py_ssize_t p = 0; p < parts.n && !bad; p++) {
        const int32_t *ids = parts.ids[p].view.buf;
        Py_ssize_t n = count(&parts.ids[p]);
        for (Py_ssize_t i = 0; i < n; i++) {
            uint32_t id = (uint32_t)ids[i];
            if (id >= (uint64_t)cap) {
                bad = 1;
                break;
            }
            distinct += !mk[id] && dl[id];
            mk[id] = 1;
        }
    }
    /* Every mark set was set here (mark comes in all zero): clear every valid id's. */
    for (Py_ssize_t p = 0; p < parts.n; p++) {
        const int32_t *ids = parts.ids[p].view.buf;
        Py_ssize_t n = count(&parts.ids[p]);
        for (Py_ssize_t i = 0; i < n; i++) {
            if ((uint32_t)ids[i] < (uint64_t)cap) {
                mk[ids[i]] = 0;
            }
        }
    }
    Py_END_ALLOW_THREADS;
    if (bad) {
        PyErr_SetString(PyExc_IndexError, "passage id beyond the mark table");
        goto done;
    }
    result = PyLong_FromSsize_t(distinct);
done:
    release_parts(&parts);
    release(&mark);
    release(&doc_len);
    return result;
}

static PyMethodDef methods[] = {
    {"union_count", union_count, METH_VARARGS, "Distinct passages of a concept's parts."},
    {"term_bound", term_bound, METH_VARARGS, "Largest tf, smallest dl/tf and dl of a term."},
    {"accumulate", accumulate, METH_VARARGS, "Add one concept's weights to the score buffer."},
    {"kth_largest", kth_largest, METH_VARARGS, "The k-th largest score of the union."},
    {"select_at_least", select_at_least, METH_VARARGS, "Ids of the union at or above a score."},
    {"clear", clear, METH_VARARGS, "Zero the scores and marks of the union."},
    {"exact", exact, METH_VARARGS, "BM25 scores of sorted candidates, concept by concept."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "knowledge._bm25", "Compiled inner loops of BM25Index.search.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__bm25(void) { return PyModule_Create(&module); }
