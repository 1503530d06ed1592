/*
 * A small, strict JSON reader for exec's process.json (exec.c).
 *
 * It reads a whole document into a table of nodes, bounded in size and in
 * depth (no recursion beyond MAX_JSON_DEPTH), and says no (-1) to anything
 * that JSON.parse would read differently from the bytes, or that Node would
 * decode otherwise: invalid UTF-8 (Node would put U+FFFD in its place), a
 * byte-order mark, an escaped surrogate that is not a pair, a NUL in a
 * string, a repeated key in an object (JSON.parse keeps the last). A "no"
 * only means Node runs the command, and then says what is wrong.
 *
 * Owns: nothing. May assume: nothing about the text.
 */
#include "internal.h"

struct reader {
	struct json *j;
	const unsigned char *p, *end;
	char *out; /* where the next decoded string goes */
};

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int new_node(struct reader *r, enum json_type type)
{
	if (r->j->n >= MAX_JSON_NODES)
		return -1;
	int k = r->j->n++;
	r->j->nodes[k] = (struct json_node){.type = type, .child = -1, .next = -1};
	return k;
}

/* The length of the UTF-8 sequence at p (strict: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_length(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	unsigned v = c & (0x3f >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return n;
}

static int hex4(const unsigned char *p, const unsigned char *end, unsigned *v)
{
	if (end - p < 4)
		return -1;
	*v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		*v = (*v << 4) | d;
	}
	return 0;
}

static void put_utf8(struct reader *r, unsigned v)
{
	if (v < 0x80) {
		*r->out++ = (char)v;
	} else if (v < 0x800) {
		*r->out++ = (char)(0xc0 | (v >> 6));
		*r->out++ = (char)(0x80 | (v & 0x3f));
	} else if (v < 0x10000) {
		*r->out++ = (char)(0xe0 | (v >> 12));
		*r->out++ = (char)(0x80 | ((v >> 6) & 0x3f));
		*r->out++ = (char)(0x80 | (v & 0x3f));
	} else {
		*r->out++ = (char)(0xf0 | (v >> 18));
		*r->out++ = (char)(0x80 | ((v >> 12) & 0x3f));
		*r->out++ = (char)(0x80 | ((v >> 6) & 0x3f));
		*r->out++ = (char)(0x80 | (v & 0x3f));
	}
}

/* A string at r->p (at its opening quote), decoded into r->out and ended
 * by a NUL; its start, or NULL. A decoded string is never longer than its
 * JSON form, so the buffer (as long as the text, and one NUL per node)
 * always has room. */
static const char *string(struct reader *r, size_t *len)
{
	r->p++;
	char *start = r->out;
	for (;;) {
		if (r->p >= r->end)
			return NULL;
		unsigned c = *r->p;
		if (c == '"') {
			r->p++;
			break;
		}
		if (c < 0x20)
			return NULL;
		if (c != '\\') {
			size_t n = utf8_length(r->p, r->end);
			if (!n)
				return NULL;
			memcpy(r->out, r->p, n);
			r->out += n;
			r->p += n;
			continue;
		}
		if (r->end - r->p < 2)
			return NULL;
		c = r->p[1];
		r->p += 2;
		const char *simple = strchr("\"\\/bfnrt", (int)c);
		if (c && simple) {
			*r->out++ = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
			continue;
		}
		unsigned v, low;
		if (c != 'u' || hex4(r->p, r->end, &v) < 0)
			return NULL;
		r->p += 4;
		if (v >= 0xdc00 && v <= 0xdfff)
			return NULL; /* a lone low surrogate */
		if (v >= 0xd800 && v <= 0xdbff) {
			if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' || hex4(r->p + 2, r->end, &low) < 0 ||
			    low < 0xdc00 || low > 0xdfff)
				return NULL;
			r->p += 6;
			v = 0x10000 + ((v - 0xd800) << 10) + (low - 0xdc00);
		}
		if (v == 0)
			return NULL; /* a NUL: no C string holds it */
		put_utf8(r, v);
	}
	*len = (size_t)(r->out - start);
	*r->out++ = '\0';
	return start;
}

/* A number as JSON writes one; kept as its text. */
static int number(struct reader *r, int k)
{
	const unsigned char *s = r->p;
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		return -1;
	if (*r->p == '0')
		r->p++;
	else
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9')
			return -1;
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9')
			return -1;
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	/* copied out, so that every node's text ends with a NUL */
	size_t n = (size_t)(r->p - s);
	memcpy(r->out, s, n);
	r->j->nodes[k].str = r->out;
	r->j->nodes[k].len = n;
	r->out += n;
	*r->out++ = '\0';
	return 0;
}

static int literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
		return -1;
	r->p += n;
	return 0;
}

static int value(struct reader *r, int depth);

/* The members of an object or the items of an array, r->p past its opening. */
static int members(struct reader *r, int k, int depth, int object)
{
	int last = -1;
	skip_space(r);
	if (r->p < r->end && *r->p == (object ? '}' : ']')) {
		r->p++;
		return 0;
	}
	for (;;) {
		const char *key = NULL;
		if (object) {
			skip_space(r);
			size_t len;
			if (r->p >= r->end || *r->p != '"' || !(key = string(r, &len)))
				return -1;
			for (int m = r->j->nodes[k].child; m >= 0; m = r->j->nodes[m].next)
				if (!strcmp(r->j->nodes[m].key, key))
					return -1; /* a repeated key */
			skip_space(r);
			if (r->p >= r->end || *r->p != ':')
				return -1;
			r->p++;
		}
		int m = value(r, depth + 1);
		if (m < 0)
			return -1;
		r->j->nodes[m].key = key;
		if (last < 0)
			r->j->nodes[k].child = m;
		else
			r->j->nodes[last].next = m;
		last = m;
		skip_space(r);
		if (r->p >= r->end)
			return -1;
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p != (object ? '}' : ']'))
			return -1;
		r->p++;
		return 0;
	}
}

static int value(struct reader *r, int depth)
{
	if (depth > MAX_JSON_DEPTH)
		return -1;
	skip_space(r);
	if (r->p >= r->end)
		return -1;
	int k;
	switch (*r->p) {
	case '{':
	case '[': {
		int object = *r->p == '{';
		r->p++;
		if ((k = new_node(r, object ? JSON_OBJECT : JSON_ARRAY)) < 0 || members(r, k, depth, object) < 0)
			return -1;
		return k;
	}
	case '"': {
		size_t len;
		const char *s;
		if ((k = new_node(r, JSON_STRING)) < 0 || !(s = string(r, &len)))
			return -1;
		r->j->nodes[k].str = s;
		r->j->nodes[k].len = len;
		return k;
	}
	case 't':
		return (k = new_node(r, JSON_TRUE)) < 0 || literal(r, "true") < 0 ? -1 : k;
	case 'f':
		return (k = new_node(r, JSON_FALSE)) < 0 || literal(r, "false") < 0 ? -1 : k;
	case 'n':
		return (k = new_node(r, JSON_NULL)) < 0 || literal(r, "null") < 0 ? -1 : k;
	default:
		return (k = new_node(r, JSON_NUMBER)) < 0 || number(r, k) < 0 ? -1 : k;
	}
}

int json_parse(struct json *j, const char *text, size_t len)
{
	j->n = 0;
	free(j->strings);
	j->strings = malloc(len + MAX_JSON_NODES + 1);
	if (!j->strings)
		return -1;
	struct reader r = {j, (const unsigned char *)text, (const unsigned char *)text + len, j->strings};
	int root = value(&r, 0);
	skip_space(&r);
	return root < 0 || r.p != r.end ? -1 : root;
}

/* The member `key` of object k, or -1. */
int json_get(const struct json *j, int k, const char *key)
{
	for (int m = j->nodes[k].child; m >= 0; m = j->nodes[m].next)
		if (!strcmp(j->nodes[m].key, key))
			return m;
	return -1;
}
