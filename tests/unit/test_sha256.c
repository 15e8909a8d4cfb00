/* test_sha256.c - tools/sha256.c against the FIPS 180-4 / NIST example vectors
 * ("abc", the 448- and 896-bit messages, one million 'a', the empty message), and
 * incremental hashing split at every point equal to the one-shot digest. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

/* Unit tests link only the library: compile the tool's file in. */
#include "../../tools/sha256.c"

static void check(const void *msg, size_t len, const char *want)
{
	uint8_t d[SHA256_DIGEST_LEN];
	char hex[65];

	sha256(msg, len, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, want);
}

static void test_abc(void **state)
{
	(void)state;
	check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_empty(void **state)
{
	(void)state;
	check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_448_bits(void **state)
{
	(void)state;
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check(m, strlen(m), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_896_bits(void **state)
{
	(void)state;
	const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	check(m, strlen(m), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
	(void)state;
	struct sha256 s;
	uint8_t chunk[1000], d[SHA256_DIGEST_LEN];
	char hex[65];

	memset(chunk, 'a', sizeof chunk);
	sha256_init(&s);
	for (int i = 0; i < 1000; i++)
		sha256_update(&s, chunk, sizeof chunk);
	sha256_final(&s, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Padding edge cases: lengths around 55/56/64 bytes, split at every point. */
static void test_incremental(void **state)
{
	(void)state;
	uint8_t msg[300];

	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 131 + 7);
	for (size_t len = 0; len <= 200; len++) {
		uint8_t one[SHA256_DIGEST_LEN];
		sha256(msg, len, one);
		for (size_t cut = 0; cut <= len; cut += (len > 70 ? 7 : 1)) {
			struct sha256 s;
			uint8_t two[SHA256_DIGEST_LEN];
			sha256_init(&s);
			sha256_update(&s, msg, cut);
			sha256_update(&s, msg + cut, 0);
			sha256_update(&s, msg + cut, len - cut);
			sha256_final(&s, two);
			assert_memory_equal(one, two, SHA256_DIGEST_LEN);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abc),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_448_bits),
		cmocka_unit_test(test_896_bits),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_incremental),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
