/* _evaljobs_scan: a yes/no validator of JSON bytes, driven by a program the generator derives from a schema.
 *
 * It answers only one question, without building a Python object: is this payload valid for the schema, with
 * no drift, no duplicate key, and nothing a strict JSON reader refuses? "Yes" is final. "No" means "not
 * certainly": the caller then asks the walk and the models, which decide and explain. So the one rule here:
 * never accept more than the schema does. Whatever is rare or delicate (an
 * escaped key or enum value, an integer beyond 64 bits, a leap second, a union of objects, very deep nesting,
 * an object with very many keys) is answered "no".
 *
 * A program is a tuple of nodes; a node refers to others by index, so schemas may be recursive. The nodes are
 * the NamedTuples of evaljobs._validation.program_nodes (generator/runtime/_validation/program_nodes.py, which
 * says what each field means), read here by position: a node's fields in order, then its kind.
 *   AnyValue() Null() Bool() Unsure(why)
 *   Int(low, high, multiple_of)                  bounds inclusive, within int64; multiple_of 0: none
 *   Float(low, high, low_exclusive, high_exclusive)   low/high: a float or None
 *   Str(min_length, max_length)                  -1: no bound; lengths in code points
 *   DateTime(offset_required)                    RFC 3339, calendar included
 *   RawLiteral(strings, integers, null)          strings as bytes (UTF-8)
 *   Array(item, min_items, max_items)
 *   Map(value, min_properties, max_properties)
 *   Struct(fields: (Field(key_bytes, node, required), ...), whole_or_empty, open)
 *                                                   whole_or_empty 0: plain, 1: anyOf, 2: oneOf; closed, unless
 *                                                   open (true): then an unknown key takes any value (the
 *                                                   lenient program's drift), and is not checked for duplicates
 *   KindUnion(string, integer, number, boolean, null, object, array)  a node per kind of JSON value, or -1
 *   Branches(members, exactly_one)               each member of a union of several objects tried on the value:
 *                                                   at least one accepts it (exactly one if exactly_one, a oneOf)
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum {
    K_ANY, K_NULL, K_BOOL, K_INT, K_FLOAT, K_STR, K_DATETIME, K_LITERAL, K_ARRAY, K_MAP, K_STRUCT, K_UNION, K_BRANCHES,
    K_UNSURE
};
enum { U_STR, U_INT, U_FLOAT, U_BOOL, U_NULL, U_OBJECT, U_ARRAY, U_KINDS };

#define MAX_DEPTH 256     /* deeper payloads are left to the full path */
#define MAX_KEYS 256      /* keys of one free-form object checked for duplicates; more: left to the full path */
#define MAX_FIELDS 256    /* properties of one struct (a bit each) */
#define WORDS (MAX_FIELDS / 64)

typedef struct {
    const char *key;
    Py_ssize_t len;
    int node;
    int required;
} Prop;

typedef struct {
    int kind;
    int64_t low, high, multiple;
    double flow, fhigh;
    int has_flow, has_fhigh, flow_excl, fhigh_excl;
    Py_ssize_t min, max;
    int offset_required;
    int item;
    Py_ssize_t nstrs, nints;
    const char **strs;
    Py_ssize_t *lens;
    int64_t *ints;
    int null_ok;
    Py_ssize_t nprops;
    Prop *props;
    int *table;
    uint64_t tmask;
    uint64_t required[WORDS];
    int nrequired;
    int whole_or_empty;
    int open;
    int members[U_KINDS];
    Py_ssize_t nbranches;
    int *branches;
    int exactly_one;
} Node;

typedef struct {
    PyObject_HEAD
    Py_ssize_t n;
    Node *nodes;
    PyObject *keep; /* the program tuple: the key and literal bytes point into it */
} Program;

typedef struct {
    const char *key;
    Py_ssize_t len;
} Span;

typedef struct Block {
    struct Block *next;
    Py_ssize_t used, size;
    char data[];
} Block;

typedef struct {
    const unsigned char *p, *end;
    const Node *nodes;
    int depth;
    Span *keys;
    Py_ssize_t nkeys, capkeys;
    Block *blocks; /* the unescaped text of escaped keys; blocks never move, so spans stay valid */
    int unsure;    /* a refusal the walk and the models might not give (see doubt) */
    int typed;     /* a refusal for a value of the wrong kind, or a missing key (see mismatch) */
    Span local[64];
} Ctx;

static int value(Ctx *c, int node);
static int any(Ctx *c);

/* Refuse, and say the refusal is not certain: the models might accept the payload. Every other refusal is
 * certain (a wrong kind of value, an unknown or missing key, an enum value not listed, a bound crossed, broken
 * JSON), which lets the caller go on to another schema without asking the walk. */
static int doubt(Ctx *c) {
    c->unsure = 1;
    return 0;
}

/* Refuse a value of a kind the node does not take (a string for a number...), which the lenient types and the
 * models refuse too, wherever it is: a refusal that drift cannot explain. A byte that starts no JSON value is
 * broken JSON instead. */
static int mismatch(Ctx *c, unsigned char ch) {
    if (ch == '"' || ch == '{' || ch == '[' || ch == 't' || ch == 'f' || ch == 'n' || ch == '-' ||
        (ch >= '0' && ch <= '9'))
        c->typed = 1;
    return 0;
}

static inline int number_start(unsigned char ch) { return ch == '-' || (ch >= '0' && ch <= '9'); }

/* ---------- lexing ---------- */

static inline void ws(Ctx *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t')) c->p++;
}

static inline int hexval(unsigned char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static inline int hex4(const unsigned char *p) {
    int a = hexval(p[0]), b = hexval(p[1]), d = hexval(p[2]), e = hexval(p[3]);
    if ((a | b | d | e) < 0) return -1;
    return (a << 12) | (b << 8) | (d << 4) | e;
}

/* A string at c->p (its opening quote): strictly valid UTF-8, no raw control character, valid escapes and no
 * lone surrogate. Sets its raw content, whether it holds an escape, and its length in code points. A string
 * that breaks these is a certain refusal: a strict JSON reader refuses it too (only an object that skips
 * unknown keys does not look at them: the lenient program, which scans payloads already decoded strictly). */
static int string(Ctx *c, const unsigned char **start, Py_ssize_t *len, int *escaped, Py_ssize_t *points) {
    const unsigned char *p = c->p + 1, *end = c->end;
    Py_ssize_t count = 0;
    int esc = 0;
    *start = p;
    for (;;) {
#if defined(__SSE2__)
        /* 16 bytes at a time while they are plain ASCII: no quote, backslash, control or non-ASCII byte (a
         * signed compare takes the bytes from 0x80 as negative, so "< 0x20" finds both kinds) */
        const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)p);
            __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                        _mm_cmplt_epi8(v, space));
            int mask = _mm_movemask_epi8(stop);
            if (mask != 0) {
                int k = __builtin_ctz((unsigned)mask);
                p += k;
                count += k;
                break;
            }
            p += 16;
            count += 16;
        }
#endif
        while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') {
            p++;
            count++;
        }
        if (p >= end) return 0;
        unsigned char ch = *p;
        if (ch == '"') break;
        if (ch < 0x20) return 0;
        if (ch == '\\') {
            esc = 1;
            if (p + 1 >= end) return 0;
            unsigned char e = p[1];
            if (e == 'u') {
                if (end - p < 6) return 0;
                int u = hex4(p + 2);
                if (u < 0) return 0;
                p += 6;
                if (u >= 0xDC00 && u <= 0xDFFF) return 0;
                if (u >= 0xD800 && u <= 0xDBFF) {
                    if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return 0;
                    int low = hex4(p + 2);
                    if (low < 0xDC00 || low > 0xDFFF) return 0;
                    p += 6;
                }
                count++;
                continue;
            }
            if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't')
                return 0;
            p += 2;
            count++;
            continue;
        }
        /* a multi-byte UTF-8 sequence: no overlong form, no surrogate, nothing beyond U+10FFFF */
        if (ch >= 0xC2 && ch <= 0xDF) {
            if (end - p < 2 || (p[1] & 0xC0) != 0x80) return 0;
            p += 2;
        } else if (ch >= 0xE0 && ch <= 0xEF) {
            if (end - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
            if (ch == 0xE0 && p[1] < 0xA0) return 0;
            if (ch == 0xED && p[1] > 0x9F) return 0;
            p += 3;
        } else if (ch >= 0xF0 && ch <= 0xF4) {
            if (end - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
            if (ch == 0xF0 && p[1] < 0x90) return 0;
            if (ch == 0xF4 && p[1] > 0x8F) return 0;
            p += 4;
        } else {
            return 0;
        }
        count++;
    }
    *len = p - *start;
    *escaped = esc;
    *points = count;
    c->p = p + 1;
    return 1;
}

/* A number at c->p, by the JSON grammar. Sets its text, whether it is an integer literal (no fraction, no
 * exponent), and its magnitude: the digits of its integer part plus its exponent, so that a number whose
 * magnitude is at most 300 is certainly a finite double. */
static int number(Ctx *c, const unsigned char **start, Py_ssize_t *len, int *integer, Py_ssize_t *int_digits) {
    const unsigned char *p = c->p, *end = c->end;
    *start = p;
    if (p < end && *p == '-') p++;
    const unsigned char *digits = p;
    if (p >= end) return 0;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') p++;
    } else {
        return 0;
    }
    *int_digits = p - digits;
    *integer = 1;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9') return 0;
        while (p < end && *p >= '0' && *p <= '9') p++;
        *integer = 0;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        int negative = p[-1] == '-';
        if (p >= end || *p < '0' || *p > '9') return 0;
        Py_ssize_t exponent = 0;
        while (p < end && *p >= '0' && *p <= '9') {
            if (exponent < 100000) exponent = exponent * 10 + (*p - '0');
            p++;
        }
        *integer = 0;
        if (!negative) *int_digits += exponent;
    }
    *len = p - *start;
    c->p = p;
    return 1;
}

/* An integer literal within int64 (more digits or beyond: 0, the full path decides). */
static int int64_of(const unsigned char *s, Py_ssize_t len, int64_t *out) {
    int negative = s[0] == '-';
    const unsigned char *p = s + negative, *end = s + len;
    if (end - p > 19) return 0;
    uint64_t v = 0;
    for (; p < end; p++) v = v * 10 + (uint64_t)(*p - '0'); /* 19 digits fit in uint64 */
    if (negative) {
        if (v > (uint64_t)INT64_MAX + 1) return 0;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX) return 0;
        *out = (int64_t)v;
    }
    return 1;
}

/* The value of a number literal as a double, or 0 when it is not finite (or too long to copy). */
static int double_of(const unsigned char *s, Py_ssize_t len, double *out) {
    char buffer[128];
    if (len >= (Py_ssize_t)sizeof buffer) return 0;
    memcpy(buffer, s, (size_t)len);
    buffer[len] = '\0';
    char *stop = NULL;
    double v = PyOS_string_to_double(buffer, &stop, NULL);
    if (v == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    if (stop != buffer + len || !Py_IS_FINITE(v)) return 0;
    *out = v;
    return 1;
}

static int literal_word(Ctx *c, const char *word, Py_ssize_t n) {
    if (c->end - c->p < n || memcmp(c->p, word, (size_t)n) != 0) return 0;
    c->p += n;
    return 1;
}

/* The text of a key written with escapes (already checked by string()), as UTF-8 in the context's blocks. */
static int unescaped(Ctx *c, const unsigned char *s, Py_ssize_t len, const unsigned char **out, Py_ssize_t *out_len) {
    Block *b = c->blocks;
    if (b == NULL || b->size - b->used < len) { /* the text is never longer than its escaped form */
        Py_ssize_t size = len > 4096 ? len : 4096;
        Block *grown = PyMem_Malloc(sizeof(Block) + (size_t)size);
        if (grown == NULL) {
            PyErr_Clear();
            return doubt(c);
        }
        grown->next = b;
        grown->used = 0;
        grown->size = size;
        c->blocks = b = grown;
    }
    unsigned char *start = (unsigned char *)b->data + b->used, *w = start;
    const unsigned char *p = s, *end = s + len;
    while (p < end) {
        if (*p != '\\') {
            *w++ = *p++;
            continue;
        }
        unsigned char e = p[1];
        if (e != 'u') {
            *w++ = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
            p += 2;
            continue;
        }
        uint32_t u = (uint32_t)hex4(p + 2);
        p += 6;
        if (u >= 0xD800 && u <= 0xDBFF) { /* string() has checked that a low surrogate follows */
            u = 0x10000 + ((u - 0xD800) << 10) + ((uint32_t)hex4(p + 2) - 0xDC00);
            p += 6;
        }
        if (u < 0x80) {
            *w++ = (unsigned char)u;
        } else if (u < 0x800) {
            *w++ = (unsigned char)(0xC0 | (u >> 6));
            *w++ = (unsigned char)(0x80 | (u & 0x3F));
        } else if (u < 0x10000) {
            *w++ = (unsigned char)(0xE0 | (u >> 12));
            *w++ = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
            *w++ = (unsigned char)(0x80 | (u & 0x3F));
        } else {
            *w++ = (unsigned char)(0xF0 | (u >> 18));
            *w++ = (unsigned char)(0x80 | ((u >> 12) & 0x3F));
            *w++ = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
            *w++ = (unsigned char)(0x80 | (u & 0x3F));
        }
    }
    *out = start;
    *out_len = w - start;
    b->used += *out_len;
    return 1;
}

/* A key at c->p: its text, unescaped when it was written with escapes. */
static int key_of(Ctx *c, const unsigned char **key, Py_ssize_t *len) {
    Py_ssize_t points;
    int escaped;
    if (c->p >= c->end || *c->p != '"' || !string(c, key, len, &escaped, &points)) return 0;
    return !escaped || unescaped(c, *key, *len, key, len);
}

/* ---------- RFC 3339 date-times ---------- */

static inline int digits(const unsigned char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), the offset optional unless required; a leap second (:60)
 * is left to the full path (it needs the offset to tell where the day ends). */
static int datetime(Ctx *c, const unsigned char *s, Py_ssize_t len, int offset_required) {
    int year, month, day, hour, minute, second;
    if (len < 19) return 0;
    if (!digits(s, 4, &year) || s[4] != '-' || !digits(s + 5, 2, &month) || s[7] != '-' || !digits(s + 8, 2, &day))
        return 0;
    if (year == 0 || month < 1 || month > 12 || day < 1) return 0;
    static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (day > days[month - 1]) return 0;
    if (month == 2 && day == 29 && !((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 0;
    if ((s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &hour) || s[13] != ':' || !digits(s + 14, 2, &minute) ||
        s[16] != ':' || !digits(s + 17, 2, &second))
        return 0;
    if (second == 60 && hour <= 23 && minute <= 59) return doubt(c);
    if (hour > 23 || minute > 59 || second > 59) return 0;
    Py_ssize_t i = 19;
    if (i < len && s[i] == '.') {
        i++;
        Py_ssize_t first = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
        if (i == first) return 0;
    }
    if (i == len) return !offset_required;
    if (s[i] == 'Z' || s[i] == 'z') return i + 1 == len;
    if (s[i] != '+' && s[i] != '-') return 0;
    int oh, om;
    if (len - i != 6 || !digits(s + i + 1, 2, &oh) || s[i + 3] != ':' || !digits(s + i + 4, 2, &om)) return 0;
    return oh <= 23 && om <= 59;
}

/* ---------- values ---------- */

static int push_key(Ctx *c, const unsigned char *key, Py_ssize_t len, Py_ssize_t base) {
    if (c->nkeys - base >= MAX_KEYS) return doubt(c);
    for (Py_ssize_t i = base; i < c->nkeys; i++)
        if (c->keys[i].len == len && memcmp(c->keys[i].key, key, (size_t)len) == 0) return 0;
    if (c->nkeys == c->capkeys) {
        Py_ssize_t cap = c->capkeys * 2;
        Span *grown = c->keys == c->local ? PyMem_Malloc(sizeof(Span) * (size_t)cap)
                                          : PyMem_Realloc(c->keys, sizeof(Span) * (size_t)cap);
        if (grown == NULL) {
            PyErr_Clear();
            return doubt(c);
        }
        if (c->keys == c->local) memcpy(grown, c->local, sizeof c->local);
        c->keys = grown;
        c->capkeys = cap;
    }
    c->keys[c->nkeys].key = (const char *)key;
    c->keys[c->nkeys].len = len;
    c->nkeys++;
    return 1;
}

/* Past the opening bracket of a container: 1 if it is empty (past its closing bracket too), 0 if a member
 * follows, -1 when it is nested too deeply. */
static int enter(Ctx *c, unsigned char close) {
    if (++c->depth > MAX_DEPTH) return -1;
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return 1;
    }
    return 0;
}

/* After a member of a container: 1 past a comma (another member follows), 0 past the closing bracket, -1 for
 * anything else (broken JSON). */
static int next_member(Ctx *c, unsigned char close) {
    ws(c);
    if (c->p < c->end && *c->p == ',') {
        c->p++;
        ws(c);
        return 1;
    }
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return 0;
    }
    return -1;
}

static int colon(Ctx *c) {
    ws(c);
    if (c->p >= c->end || *c->p != ':') return 0;
    c->p++;
    ws(c);
    return 1;
}

/* An object whose keys are free (a map, or any value: node -1): each value checked as ``node``, no key twice. */
static int free_object(Ctx *c, int node, Py_ssize_t min, Py_ssize_t max) {
    Py_ssize_t base = c->nkeys, count = 0;
    int more = enter(c, '}');
    if (more < 0) return doubt(c);
    for (more = !more; more > 0; more = next_member(c, '}')) {
        const unsigned char *key;
        Py_ssize_t len;
        if (!key_of(c, &key, &len) || !push_key(c, key, len, base) || !colon(c) || !value(c, node)) return 0;
        count++;
    }
    if (more < 0) return 0;
    c->nkeys = base;
    c->depth--;
    return count >= min && (max < 0 || count <= max);
}

/* An array: each item checked as ``node`` (-1: any value). */
static int array(Ctx *c, int node, Py_ssize_t min, Py_ssize_t max) {
    Py_ssize_t count = 0;
    int more = enter(c, ']');
    if (more < 0) return doubt(c);
    for (more = !more; more > 0; more = next_member(c, ']')) {
        if (!value(c, node)) return 0;
        count++;
    }
    if (more < 0) return 0;
    c->depth--;
    return count >= min && (max < 0 || count <= max);
}

/* A cheap hash of a property name: its length and three of its bytes (a collision costs one more compare). */
static inline uint64_t hash_of(const unsigned char *s, Py_ssize_t len) {
    if (len == 0) return 0;
    uint64_t h = (uint64_t)len * 0x9E3779B97F4A7C15ULL;
    h ^= (uint64_t)s[0] * 0x100000001B3ULL ^ (uint64_t)s[len - 1] * 0xC2B2AE3D27D4EB4FULL ^ (uint64_t)s[len / 2];
    return h ^ (h >> 29);
}

static int structure(Ctx *c, const Node *n) {
    uint64_t seen[WORDS] = {0, 0, 0, 0};
    Py_ssize_t count = 0;
    int more = enter(c, '}');
    if (more < 0) return doubt(c);
    for (more = !more; more > 0; more = next_member(c, '}')) {
        const unsigned char *key;
        Py_ssize_t len;
        if (!key_of(c, &key, &len)) return 0;
        uint64_t slot = hash_of(key, len) & n->tmask;
        const Prop *prop = NULL;
        for (int at; (at = n->table[slot]) >= 0; slot = (slot + 1) & n->tmask) {
            const Prop *candidate = &n->props[at];
            if (candidate->len == len && memcmp(candidate->key, key, (size_t)len) == 0) {
                prop = candidate;
                break;
            }
        }
        if (prop == NULL) { /* an unknown key: drift, or another schema */
            if (!n->open || !colon(c) || !any(c)) return 0;
            continue;
        }
        Py_ssize_t index = prop - n->props;
        uint64_t bit = 1ULL << (index & 63);
        if (seen[index >> 6] & bit) return 0; /* a duplicate key */
        seen[index >> 6] |= bit;
        count++;
        if (!colon(c) || !value(c, prop->node)) return 0;
    }
    if (more < 0) return 0;
    c->depth--;
    int complete = 1;
    for (int w = 0; w < WORDS; w++)
        if ((seen[w] & n->required[w]) != n->required[w]) complete = 0;
    if (n->whole_or_empty) {
        /* "the object, or the empty object": with a required field missing, only the empty object is left;
         * for a oneOf, an empty object that is also the (all-optional) object matches twice */
        if (!complete) return count == 0;
        return !(n->whole_or_empty == 2 && n->nrequired == 0 && count == 0);
    }
    if (!complete) c->typed = 1; /* a required key is missing */
    return complete;
}

/* Any JSON value (what node -1 stands for). */
static int any(Ctx *c) {
    if (c->p >= c->end) return 0;
    const unsigned char *start;
    Py_ssize_t len, points, int_digits;
    int escaped, integer;
    switch (*c->p) {
    case '"':
        return string(c, &start, &len, &escaped, &points);
    case '{':
        return free_object(c, -1, 0, -1);
    case '[':
        return array(c, -1, 0, -1);
    case 't':
        return literal_word(c, "true", 4);
    case 'f':
        return literal_word(c, "false", 5);
    case 'n':
        return literal_word(c, "null", 4);
    default:
        if (!number(c, &start, &len, &integer, &int_digits)) return 0;
        if (integer) { /* beyond 64 bits: the strict reader decides */
            int64_t v;
            return int_digits <= 18 || int64_of(start, len, &v) || doubt(c);
        }
        if (int_digits > 300) { /* perhaps beyond a double: the strict reader decides */
            double v;
            return double_of(start, len, &v) || doubt(c);
        }
        return 1;
    }
}

static int in_literal(const Node *n, const unsigned char *s, Py_ssize_t len) {
    for (Py_ssize_t i = 0; i < n->nstrs; i++)
        if (n->lens[i] == len && memcmp(n->strs[i], s, (size_t)len) == 0) return 1;
    return 0;
}

/* The members of a "branches" node, each tried on the value from where it starts: accepted when one accepts it
 * (exactly one for a oneOf, the others refusing for certain). A refusal is certain when every member's is, and
 * a value of the wrong kind for drift only when every member's is (for a oneOf that two members accept: not). */
static int branches(Ctx *c, const Node *n) {
    const unsigned char *start = c->p, *after = NULL;
    int depth = c->depth, unsure = c->unsure, typed = c->typed;
    Py_ssize_t nkeys = c->nkeys;
    int accepted = 0, doubted = 0, all_typed = 1;
    for (Py_ssize_t i = 0; i < n->nbranches && accepted < 2; i++) {
        c->p = start;
        c->depth = depth;
        c->nkeys = nkeys;
        c->unsure = 0;
        c->typed = 0;
        if (value(c, n->branches[i])) {
            accepted++;
            after = c->p;
            if (!n->exactly_one) break;
        } else {
            doubted |= c->unsure;
            all_typed &= c->typed;
        }
    }
    c->depth = depth;
    c->nkeys = nkeys;
    c->unsure = unsure;
    c->typed = typed;
    if (accepted == 1 && (!n->exactly_one || !doubted)) {
        c->p = after;
        return 1;
    }
    if (accepted == 0 && !doubted) c->typed = typed || all_typed;
    return accepted == 1 || (accepted == 0 && doubted) ? doubt(c) : 0;
}

static int value(Ctx *c, int index) {
    if (index < 0) return any(c);
    const Node *n = &c->nodes[index];
    if (c->p >= c->end) return 0;
    unsigned char ch = *c->p;
    const unsigned char *start;
    Py_ssize_t len, points, int_digits;
    int escaped, integer;
    switch (n->kind) {
    case K_ANY:
        return any(c);
    case K_NULL:
        return ch == 'n' ? literal_word(c, "null", 4) : mismatch(c, ch);
    case K_BOOL:
        if (ch != 't' && ch != 'f') return mismatch(c, ch);
        return ch == 't' ? literal_word(c, "true", 4) : literal_word(c, "false", 5);
    case K_STR:
        if (ch != '"') return mismatch(c, ch);
        if (!string(c, &start, &len, &escaped, &points)) return 0;
        return points >= n->min && (n->max < 0 || points <= n->max);
    case K_DATETIME:
        if (ch != '"') return mismatch(c, ch);
        if (!string(c, &start, &len, &escaped, &points)) return 0;
        if (escaped) return doubt(c);
        return datetime(c, start, len, n->offset_required);
    case K_INT: {
        int64_t v;
        if (!number_start(ch)) return mismatch(c, ch);
        if (!number(c, &start, &len, &integer, &int_digits)) return 0;
        if (!integer || !int64_of(start, len, &v)) return doubt(c); /* 1.0, or beyond 64 bits */
        if (v < n->low || v > n->high) return 0;
        return n->multiple == 0 || v % n->multiple == 0;
    }
    case K_FLOAT: {
        if (!number_start(ch)) return mismatch(c, ch);
        if (!number(c, &start, &len, &integer, &int_digits)) return 0;
        if (!n->has_flow && !n->has_fhigh) {
            if (integer) { /* beyond 64 bits: left to the strict reader */
                int64_t v;
                return int_digits <= 18 || int64_of(start, len, &v) || doubt(c);
            }
            if (int_digits <= 300) return 1;
        } else if (integer && int_digits > 15) {
            return doubt(c); /* an integer a double may not hold exactly, against a bound: left to the walk */
        }
        double v;
        if (!double_of(start, len, &v)) return doubt(c);
        if (n->has_flow && (n->flow_excl ? !(v > n->flow) : !(v >= n->flow))) return doubt(c);
        if (n->has_fhigh && (n->fhigh_excl ? !(v < n->fhigh) : !(v <= n->fhigh))) return doubt(c);
        return 1;
    }
    case K_LITERAL:
        if (ch == '"' ? n->nstrs == 0 : ch == 'n' ? !n->null_ok : number_start(ch) ? n->nints == 0 : 1)
            return mismatch(c, ch);
        if (ch == '"') {
            if (!string(c, &start, &len, &escaped, &points)) return 0;
            if (escaped) return doubt(c);
            return in_literal(n, start, len);
        }
        if (ch == 'n') return n->null_ok && literal_word(c, "null", 4);
        if (ch == '-' || (ch >= '0' && ch <= '9')) {
            int64_t v;
            if (!number(c, &start, &len, &integer, &int_digits)) return 0;
            if (!integer || !int64_of(start, len, &v)) return doubt(c);
            for (Py_ssize_t i = 0; i < n->nints; i++)
                if (n->ints[i] == v) return 1;
        }
        return 0;
    case K_ARRAY:
        return ch == '[' ? array(c, n->item, n->min, n->max) : mismatch(c, ch);
    case K_MAP:
        return ch == '{' ? free_object(c, n->item, n->min, n->max) : mismatch(c, ch);
    case K_STRUCT:
        return ch == '{' ? structure(c, n) : mismatch(c, ch);
    case K_UNION: {
        int member;
        if (ch == '"') {
            member = n->members[U_STR];
        } else if (ch == '{') {
            member = n->members[U_OBJECT];
        } else if (ch == '[') {
            member = n->members[U_ARRAY];
        } else if (ch == 't' || ch == 'f') {
            member = n->members[U_BOOL];
        } else if (ch == 'n') {
            member = n->members[U_NULL];
        } else {
            const unsigned char *saved = c->p;
            if (!number(c, &start, &len, &integer, &int_digits)) return 0;
            c->p = saved;
            member = integer && n->members[U_INT] >= 0 ? n->members[U_INT] : n->members[U_FLOAT];
            if (member < 0 && !integer && n->members[U_INT] >= 0) return doubt(c); /* 1.0 for an integer */
        }
        return member >= 0 ? value(c, member) : mismatch(c, ch);
    }
    case K_BRANCHES:
        return branches(c, n);
    default: /* K_UNSURE */
        return doubt(c);
    }
}

/* ---------- the Program type ---------- */

static void program_free_nodes(Program *self) {
    if (self->nodes == NULL) return;
    for (Py_ssize_t i = 0; i < self->n; i++) {
        Node *n = &self->nodes[i];
        PyMem_Free((void *)n->strs);
        PyMem_Free(n->lens);
        PyMem_Free(n->ints);
        PyMem_Free(n->props);
        PyMem_Free(n->table);
        PyMem_Free(n->branches);
    }
    PyMem_Free(self->nodes);
    self->nodes = NULL;
}

static void program_dealloc(Program *self) {
    program_free_nodes(self);
    Py_XDECREF(self->keep);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int bad(Py_ssize_t index, const char *why) {
    PyErr_Format(PyExc_ValueError, "program node %zd: %s", index, why);
    return 0;
}

static int node_ref(PyObject *item, Py_ssize_t n, Py_ssize_t index, int *out) {
    long v = PyLong_AsLong(item);
    if (v == -1 && PyErr_Occurred()) return 0;
    if (v < -1 || v >= n) return bad(index, "refers to no node");
    *out = (int)v;
    return 1;
}

static int ssize_of(PyObject *item, Py_ssize_t index, Py_ssize_t *out) {
    Py_ssize_t v = PyLong_AsSsize_t(item);
    if (v == -1 && PyErr_Occurred()) return 0;
    if (v < -1) return bad(index, "a negative bound");
    *out = v;
    return 1;
}

static int fill(Node *node, PyObject *spec, Py_ssize_t n, Py_ssize_t index) {
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) < 1 ||
        !PyUnicode_Check(PyTuple_GET_ITEM(spec, PyTuple_GET_SIZE(spec) - 1)))
        return bad(index, "not a node (..., kind)");
    Py_ssize_t size = PyTuple_GET_SIZE(spec);
    const char *kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(spec, size - 1));
    if (kind == NULL) return 0;
/* the i-th field of the node, from 1 (its kind is last) */
#define ARG(i) PyTuple_GET_ITEM(spec, (i) - 1)
#define NEED(k) \
    if (size != (k)) return bad(index, "wrong number of fields");
    for (int k = 0; k < U_KINDS; k++) node->members[k] = -1;
    node->item = -1;
    if (strcmp(kind, "any") == 0) {
        NEED(1) node->kind = K_ANY;
    } else if (strcmp(kind, "null") == 0) {
        NEED(1) node->kind = K_NULL;
    } else if (strcmp(kind, "bool") == 0) {
        NEED(1) node->kind = K_BOOL;
    } else if (strcmp(kind, "unsure") == 0) {
        NEED(2) node->kind = K_UNSURE; /* (why, kind) */
    } else if (strcmp(kind, "int") == 0) {
        NEED(4) node->kind = K_INT;
        long long low = PyLong_AsLongLong(ARG(1)), high = PyLong_AsLongLong(ARG(2)), mult = PyLong_AsLongLong(ARG(3));
        if (PyErr_Occurred()) return 0;
        if (mult < 0) return bad(index, "a negative multiple_of");
        node->low = low;
        node->high = high;
        node->multiple = mult;
    } else if (strcmp(kind, "float") == 0) {
        NEED(5) node->kind = K_FLOAT;
        if (ARG(1) != Py_None) {
            node->flow = PyFloat_AsDouble(ARG(1));
            node->has_flow = 1;
        }
        if (ARG(2) != Py_None) {
            node->fhigh = PyFloat_AsDouble(ARG(2));
            node->has_fhigh = 1;
        }
        if (PyErr_Occurred()) return 0;
        node->flow_excl = PyObject_IsTrue(ARG(3)) == 1;
        node->fhigh_excl = PyObject_IsTrue(ARG(4)) == 1;
    } else if (strcmp(kind, "str") == 0) {
        NEED(3) node->kind = K_STR;
        if (!ssize_of(ARG(1), index, &node->min) || !ssize_of(ARG(2), index, &node->max)) return 0;
        if (node->min < 0) node->min = 0;
    } else if (strcmp(kind, "datetime") == 0) {
        NEED(2) node->kind = K_DATETIME;
        node->offset_required = PyObject_IsTrue(ARG(1)) == 1;
    } else if (strcmp(kind, "raw_literal") == 0) {
        NEED(4) node->kind = K_LITERAL;
        PyObject *strs = ARG(1), *ints = ARG(2);
        if (!PyTuple_Check(strs) || !PyTuple_Check(ints)) return bad(index, "literal values are not tuples");
        node->nstrs = PyTuple_GET_SIZE(strs);
        node->nints = PyTuple_GET_SIZE(ints);
        node->strs = PyMem_Calloc((size_t)node->nstrs + 1, sizeof(char *));
        node->lens = PyMem_Calloc((size_t)node->nstrs + 1, sizeof(Py_ssize_t));
        node->ints = PyMem_Calloc((size_t)node->nints + 1, sizeof(int64_t));
        if (!node->strs || !node->lens || !node->ints) {
            PyErr_NoMemory();
            return 0;
        }
        for (Py_ssize_t i = 0; i < node->nstrs; i++) {
            PyObject *s = PyTuple_GET_ITEM(strs, i);
            if (!PyBytes_Check(s)) return bad(index, "a literal string is not bytes");
            node->strs[i] = PyBytes_AS_STRING(s);
            node->lens[i] = PyBytes_GET_SIZE(s);
        }
        for (Py_ssize_t i = 0; i < node->nints; i++) {
            node->ints[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(ints, i));
            if (PyErr_Occurred()) return 0;
        }
        node->null_ok = PyObject_IsTrue(ARG(3)) == 1;
    } else if (strcmp(kind, "array") == 0 || strcmp(kind, "map") == 0) {
        NEED(4) node->kind = kind[0] == 'a' ? K_ARRAY : K_MAP;
        if (!node_ref(ARG(1), n, index, &node->item) || !ssize_of(ARG(2), index, &node->min) ||
            !ssize_of(ARG(3), index, &node->max))
            return 0;
        if (node->min < 0) node->min = 0;
    } else if (strcmp(kind, "struct") == 0) {
        if (size != 3 && size != 4) return bad(index, "wrong number of fields");
        node->kind = K_STRUCT;
        PyObject *props = ARG(1);
        if (!PyTuple_Check(props)) return bad(index, "struct properties are not a tuple");
        node->nprops = PyTuple_GET_SIZE(props);
        if (node->nprops > MAX_FIELDS) {
            node->kind = K_UNSURE; /* too many properties for the bit sets: left to the walk */
            return 1;
        }
        uint64_t size_table = 4;
        while (size_table < (uint64_t)node->nprops * 2) size_table *= 2;
        node->tmask = size_table - 1;
        node->props = PyMem_Calloc((size_t)node->nprops + 1, sizeof(Prop));
        node->table = PyMem_Malloc(sizeof(int) * size_table);
        if (!node->props || !node->table) {
            PyErr_NoMemory();
            return 0;
        }
        for (uint64_t i = 0; i < size_table; i++) node->table[i] = -1;
        for (Py_ssize_t i = 0; i < node->nprops; i++) {
            PyObject *prop = PyTuple_GET_ITEM(props, i);
            if (!PyTuple_Check(prop) || PyTuple_GET_SIZE(prop) != 3 || !PyBytes_Check(PyTuple_GET_ITEM(prop, 0)))
                return bad(index, "a property is not (key bytes, node, required)");
            Prop *p = &node->props[i];
            p->key = PyBytes_AS_STRING(PyTuple_GET_ITEM(prop, 0));
            p->len = PyBytes_GET_SIZE(PyTuple_GET_ITEM(prop, 0));
            if (!node_ref(PyTuple_GET_ITEM(prop, 1), n, index, &p->node)) return 0;
            p->required = PyObject_IsTrue(PyTuple_GET_ITEM(prop, 2)) == 1;
            if (p->required) {
                node->required[i >> 6] |= 1ULL << (i & 63);
                node->nrequired++;
            }
            uint64_t slot = hash_of((const unsigned char *)p->key, p->len) & node->tmask;
            while (node->table[slot] >= 0) {
                const Prop *other = &node->props[node->table[slot]];
                if (other->len == p->len && memcmp(other->key, p->key, (size_t)p->len) == 0)
                    return bad(index, "a property named twice");
                slot = (slot + 1) & node->tmask;
            }
            node->table[slot] = (int)i;
        }
        long mode = PyLong_AsLong(ARG(2));
        if (mode == -1 && PyErr_Occurred()) return 0;
        if (mode < 0 || mode > 2) return bad(index, "whole_or_empty is not 0, 1 or 2");
        node->whole_or_empty = (int)mode;
        node->open = size == 4 ? PyObject_IsTrue(ARG(3)) : 0;
        if (node->open < 0) return 0;
    } else if (strcmp(kind, "kind_union") == 0) {
        NEED(1 + U_KINDS) node->kind = K_UNION;
        for (int k = 0; k < U_KINDS; k++)
            if (!node_ref(ARG(1 + k), n, index, &node->members[k])) return 0;
    } else if (strcmp(kind, "branches") == 0) {
        NEED(3) node->kind = K_BRANCHES;
        if (!PyTuple_Check(ARG(1)) || PyTuple_GET_SIZE(ARG(1)) < 1) return bad(index, "branches is not a tuple of nodes");
        node->nbranches = PyTuple_GET_SIZE(ARG(1));
        node->branches = PyMem_Calloc((size_t)node->nbranches, sizeof(int));
        if (node->branches == NULL) {
            PyErr_NoMemory();
            return 0;
        }
        for (Py_ssize_t i = 0; i < node->nbranches; i++)
            if (!node_ref(PyTuple_GET_ITEM(ARG(1), i), n, index, &node->branches[i])) return 0;
        node->exactly_one = PyObject_IsTrue(ARG(2));
        if (node->exactly_one < 0) return 0;
    } else {
        return bad(index, "an unknown kind");
    }
    return 1;
#undef ARG
#undef NEED
}

static PyObject *program_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    PyObject *nodes;
    static char *keywords[] = {"nodes", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!:Program", keywords, &PyTuple_Type, &nodes)) return NULL;
    Program *self = (Program *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->n = PyTuple_GET_SIZE(nodes);
    self->nodes = PyMem_Calloc((size_t)self->n + 1, sizeof(Node));
    if (self->nodes == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    Py_INCREF(nodes);
    self->keep = nodes;
    for (Py_ssize_t i = 0; i < self->n; i++) {
        if (!fill(&self->nodes[i], PyTuple_GET_ITEM(nodes, i), self->n, i)) {
            Py_DECREF(self);
            return NULL;
        }
    }
    return (PyObject *)self;
}

PyDoc_STRVAR(accepts_doc, "accepts(node, data, /)\n--\n\n"
                          "True if the JSON ``data`` (bytes) is valid for ``node``, without drift or duplicate "
                          "key.\nFalse if it is refused for certain; None when it cannot tell.");

/* Scan ``args`` (node, data): 1 accepted, 0 cannot tell, -1 refused (-2 on a Python error); ``depth`` is
 * set to the nesting depth where a refusal happened (0: the top-level value, 1: a member of it...), and
 * ``typed`` to whether it was a value of the wrong kind or a missing key. */
static int run(Program *self, PyObject *const *args, Py_ssize_t nargs, int *depth, int *typed) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "takes 2 arguments: (node, data)");
        return -2;
    }
    Py_ssize_t node = PyLong_AsSsize_t(args[0]);
    if (node == -1 && PyErr_Occurred()) return -2;
    if (node < 0 || node >= self->n) {
        PyErr_SetString(PyExc_IndexError, "no such node");
        return -2;
    }
    if (!PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "data must be bytes");
        return -2;
    }
    Ctx c;
    c.p = (const unsigned char *)PyBytes_AS_STRING(args[1]);
    c.end = c.p + PyBytes_GET_SIZE(args[1]);
    c.nodes = self->nodes;
    c.depth = 0;
    c.keys = c.local;
    c.nkeys = 0;
    c.capkeys = (Py_ssize_t)(sizeof c.local / sizeof c.local[0]);
    c.blocks = NULL;
    c.unsure = 0;
    c.typed = 0;
    ws(&c);
    int ok = value(&c, (int)node);
    if (ok) {
        ws(&c);
        ok = c.p == c.end;
    }
    if (c.keys != c.local) PyMem_Free(c.keys);
    while (c.blocks != NULL) {
        Block *next = c.blocks->next;
        PyMem_Free(c.blocks);
        c.blocks = next;
    }
    *depth = c.depth;
    *typed = c.typed;
    return ok ? 1 : c.unsure ? 0 : -1;
}

static PyObject *program_accepts(Program *self, PyObject *const *args, Py_ssize_t nargs) {
    int depth, typed;
    int outcome = run(self, args, nargs, &depth, &typed);
    if (outcome == -2) return NULL;
    if (outcome == 1) Py_RETURN_TRUE;
    if (outcome == 0) Py_RETURN_NONE;
    Py_RETURN_FALSE;
}

#define TYPED (1L << 20)

PyDoc_STRVAR(scan_doc, "scan(node, data, /)\n--\n\n"
                       "accepts() as a number: 1 for True, 0 for None, and for False minus the depth of the "
                       "refusal plus one\n(-1 at the top-level value, -2 in a member of it...), less a further "
                       "2**20 when the refusal\nwas a value of the wrong kind or a missing key (which drift "
                       "cannot explain).");

static PyObject *program_scan(Program *self, PyObject *const *args, Py_ssize_t nargs) {
    int depth, typed;
    int outcome = run(self, args, nargs, &depth, &typed);
    if (outcome == -2) return NULL;
    return PyLong_FromLong(outcome >= 0 ? outcome : -(long)depth - 1 - (typed ? TYPED : 0));
}

static PyMethodDef program_methods[] = {
    {"accepts", (PyCFunction)(void (*)(void))program_accepts, METH_FASTCALL, accepts_doc},
    {"scan", (PyCFunction)(void (*)(void))program_scan, METH_FASTCALL, scan_doc},
    {NULL, NULL, 0, NULL},
};

static PyObject *program_size(Program *self, void *closure) {
    (void)closure;
    return PyLong_FromSsize_t(self->n);
}

static PyGetSetDef program_getset[] = {
    {"size", (getter)program_size, NULL, "The number of nodes.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ProgramType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "_evaljobs_scan.Program",
    .tp_basicsize = sizeof(Program),
    .tp_dealloc = (destructor)program_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = PyDoc_STR("Program(nodes): a validator compiled from a tuple of nodes (see the module's source)."),
    .tp_methods = program_methods,
    .tp_getset = program_getset,
    .tp_new = program_new,
};

/* newlines(buffer): the number of b"\n" bytes in a bytes-like object (an mmap of a JSONL file, read
   without copying), counted without the GIL so that other threads go on meanwhile. */
static PyObject *module_newlines(PyObject *module, PyObject *arg) {
    (void)module;
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    Py_ssize_t count = 0;
    Py_BEGIN_ALLOW_THREADS
    const char *at = view.buf, *end = at + view.len;
    while (at < end && (at = memchr(at, '\n', (size_t)(end - at))) != NULL) {
        count++;
        at++;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return PyLong_FromSsize_t(count);
}

static PyMethodDef module_methods[] = {
    {"newlines", module_newlines, METH_O, "newlines(buffer): the number of newline bytes in a bytes-like object."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_evaljobs_scan",
    .m_doc = "A yes/no JSON validator driven by a program derived from a schema (evaljobs' fastest path).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__evaljobs_scan(void) {
    if (PyType_Ready(&ProgramType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&ProgramType);
    if (PyModule_AddObject(m, "Program", (PyObject *)&ProgramType) < 0) {
        Py_DECREF(&ProgramType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
