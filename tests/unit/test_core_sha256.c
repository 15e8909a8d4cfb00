/* test_core_sha256.c - the library's SHA-256 (src/core/sha256.c, the PRF of RFC 7217
 * addresses) against the FIPS 180-4 / NIST example vectors ("abc", the empty message,
 * the 448- and 896-bit messages, one million 'a'), messages at the padding edges (55,
 * 56, 63, 64, 119, 120 bytes: digests from Python's hashlib), and incremental hashing
 * split at every point equal to the one-shot digest. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/sha256.h"

static void hex(const uint8_t d[SHA256_LEN], char out[65])
{
	for (int i = 0; i < SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void check(const void *msg, size_t len, const char *want)
{
	uint8_t d[SHA256_LEN];
	char h[65];

	sha256_digest(msg, len, d);
	hex(d, h);
	assert_string_equal(h, want);
}

static void test_fips_vectors(void **state)
{
	(void)state;
	const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			   "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

	check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check(m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check(m896, strlen(m896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
	(void)state;
	struct sha256_state s;
	uint8_t chunk[1000], d[SHA256_LEN];
	char h[65];

	memset(chunk, 'a', sizeof(chunk));
	sha256_begin(&s);
	for (int i = 0; i < 1000; i++)
		sha256_add(&s, chunk, sizeof(chunk));
	sha256_end(&s, d);
	hex(d, h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_padding_edges_and_split(void **state)
{
	(void)state;
	static const struct { size_t len; const char *want; } v[] = {
		{ 55, "16ed9c4697ca11d5f6fb25ea7900252dd4cb97215d7f6d0b2bb3e2a86ac0ec72" },
		{ 56, "939ada93b2fe1e9c596d767bb408567c83e253667f0b25e5be8e16f35f2cbac9" },
		{ 63, "6073f83b09ae82016cdbe24c18996c48f0eaa08ca675d0f6b90b807fc29e0149" },
		{ 64, "b337ba9b0c69c391364e985fdcb23a889887e59800832c92fbfa22b8a3c40304" },
		{ 119, "9773fbac8194c3d789af101b49b6a26073076895ef6e0f658432849dd477a43f" },
		{ 120, "070a538f085dd94821d4dc197c5c8b791051891d4fa2a1bf25d3c275236676f7" },
		{ 200, "78bbb470b40e45fffa0526d26567d7d3887d082518e712cc05d0a8f4903e231b" },
	};
	uint8_t msg[200];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 131 + 7);
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
		check(msg, v[k].len, v[k].want);
	for (size_t len = 0; len <= sizeof(msg); len++) {
		uint8_t one[SHA256_LEN], two[SHA256_LEN];

		sha256_digest(msg, len, one);
		for (size_t cut = 0; cut <= len; cut++) {
			struct sha256_state s;

			sha256_begin(&s);
			sha256_add(&s, msg, cut);
			sha256_add(&s, msg + cut, len - cut);
			sha256_end(&s, two);
			assert_memory_equal(one, two, SHA256_LEN);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_vectors),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_padding_edges_and_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
