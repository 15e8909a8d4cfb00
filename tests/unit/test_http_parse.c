/* test_http_parse.c - the parsing parts of the HTTP tools, without a network:
 * http_parse_url (tools/http_client.c); the request head parser, the path cleaner
 * (percent-decoding, dot segments, traversal refused), the head-end finder and the
 * content types of tools/httpd_req.c. The tool files are compiled in (their helpers are
 * static); they use only the public API, which the library provides. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../tools/http_client.c"
#include "../../tools/httpd_req.c"

static void url_ok(const char *url, const char *host, uint16_t port, const char *path)
{
	char h[256], p[1024];
	uint16_t po = 0;

	assert_int_equal(http_parse_url(url, h, sizeof h, &po, p, sizeof p), 0);
	assert_string_equal(h, host);
	assert_int_equal(po, port);
	assert_string_equal(p, path);
}

static void url_bad(const char *url)
{
	char h[256], p[1024];
	uint16_t po;

	assert_int_equal(http_parse_url(url, h, sizeof h, &po, p, sizeof p), -1);
}

static void test_url(void **state)
{
	(void)state;
	url_ok("http://www.example.test/", "www.example.test", 80, "/");
	url_ok("http://www.example.test", "www.example.test", 80, "/");
	url_ok("HTTP://10.0.0.1:8080/a/b.bin", "10.0.0.1", 8080, "/a/b.bin");
	url_ok("files.example.test:81/x?y=1#frag", "files.example.test", 81, "/x?y=1");
	url_ok("http://h?q", "h", 80, "/?q");
	url_ok("http://user:pw@h:99/p", "h", 99, "/p");
	url_ok("http://[::1]:8080/", "::1", 8080, "/");
	url_ok("http://h:/", "h", 80, "/");
	url_bad("http://");
	url_bad("http:///x");
	url_bad("http://h:0/");
	url_bad("http://h:65536/");
	url_bad("http://h:8x/");
	url_bad("https://h/");
	url_bad("ftp://h/");
	url_bad("http://h/a b");
	url_bad("http://[::1/");
}

/* parse_request on a copy (it writes NULs into its input) */
static int parse(const char *text, struct http_req *r)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s", text);
	return httpd_parse_request(buf, r);
}

static void test_request(void **state)
{
	(void)state;
	struct http_req r;

	assert_int_equal(parse("GET /x HTTP/1.1\r\nHost: a\r\n\r\n", &r), 0);
	assert_string_equal(r.method, "GET");
	assert_string_equal(r.target, "/x");
	assert_int_equal(r.minor, 1);
	assert_false(r.conn_close);
	assert_int_equal(r.content_length, -1);

	assert_int_equal(parse("HEAD / HTTP/1.1\r\nhost:a\r\nConnection:  keep-alive, Close \r\n"
			       "Content-Length: 12\r\n\r\n", &r), 0);
	assert_true(r.conn_close);
	assert_true(r.conn_keep_alive);
	assert_int_equal(r.content_length, 12);

	assert_int_equal(parse("GET / HTTP/1.0\n\n", &r), 0);      /* bare LF, no Host in 1.0 */
	assert_int_equal(r.minor, 0);

	assert_int_equal(parse("GET / HTTP/1.1\r\n\r\n", &r), 400);             /* no Host */
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &r), 400);
	assert_int_equal(parse("GARBAGE\r\n\r\n", &r), 400);
	assert_int_equal(parse("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", &r), 400);  /* two SP */
	assert_int_equal(parse("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", &r), 400);
	assert_int_equal(parse("GET / HTTP/11\r\nHost: a\r\n\r\n", &r), 400);
	assert_int_equal(parse("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", &r), 400);
	assert_int_equal(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n", &r), 505);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n", &r), 400);  /* SP before : */
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", &r), 400);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", &r), 400);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", &r), 400);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
			       "Content-Length: 2\r\n\r\n", &r), 400);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: "
			       "99999999999999999999999\r\n\r\n", &r), 400);
	assert_int_equal(parse("POST /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", &r), 0);
	assert_true(r.has_te);
}

static void path_ok(const char *target, const char *want)
{
	char out[1024];
	assert_int_equal(httpd_clean_path(target, out, sizeof out), 0);
	assert_string_equal(out, want);
}

static void test_path(void **state)
{
	(void)state;
	char out[1024];

	path_ok("/", "/");
	path_ok("/a/b.txt", "/a/b.txt");
	path_ok("//a///b/", "/a/b/");
	path_ok("/./a/./b", "/a/b");
	path_ok("/a%20b?x=../..", "/a b");
	path_ok("/%41%62", "/Ab");
	path_ok("http://host:80/x/y", "/x/y");
	path_ok("http://host", "/");
	assert_int_equal(httpd_clean_path("/../etc/passwd", out, sizeof out), 403);
	assert_int_equal(httpd_clean_path("/a/../../x", out, sizeof out), 403);
	assert_int_equal(httpd_clean_path("/%2e%2e/x", out, sizeof out), 403);
	assert_int_equal(httpd_clean_path("/a%2f..%2f..%2fx", out, sizeof out), 403);
	assert_int_equal(httpd_clean_path("/a/..", out, sizeof out), 403);
	assert_int_equal(httpd_clean_path("/a%00b", out, sizeof out), 400);
	assert_int_equal(httpd_clean_path("/a%4", out, sizeof out), 400);
	assert_int_equal(httpd_clean_path("/a%zz", out, sizeof out), 400);
	assert_int_equal(httpd_clean_path("a/b", out, sizeof out), 400);
	assert_int_equal(httpd_clean_path("*", out, sizeof out), 400);
}

static void test_head_end(void **state)
{
	(void)state;
	const char *a = "GET / HTTP/1.1\r\nHost: a\r\n\r\nNEXT";
	assert_int_equal(httpd_head_end(a, strlen(a)), strlen(a) - 4);
	const char *b = "GET / HTTP/1.0\n\nx";
	assert_int_equal(httpd_head_end(b, strlen(b)), strlen(b) - 1);
	const char *c = "GET / HTTP/1.1\r\nHost: a\r\n\r";
	assert_int_equal(httpd_head_end(c, strlen(c)), 0);
}

static void test_types(void **state)
{
	(void)state;
	assert_string_equal(httpd_content_type("/a/index.html"), "text/html; charset=utf-8");
	assert_string_equal(httpd_content_type("x.PNG"), "image/png");
	assert_string_equal(httpd_content_type("/dir.d/file"), "application/octet-stream");
	assert_string_equal(httpd_content_type("/a.tar.gz"), "application/gzip");
	assert_string_equal(httpd_content_type("/trailing."), "application/octet-stream");
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(http_strerror(HTTP_ERR_RESOLVE), "Could not resolve host");
	assert_string_equal(http_strerror(HTTP_ERR_CONNECT), "Could not connect to server");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_head_end),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
