/* bench_csum.c - the Internet checksum (RFC 1071) in GB/s over 64 B, 1500 B and 64 KiB:
 * ustack's csum() (src/wire/csum.c) against a plain RFC 1071 reference loop (16-bit
 * words into a 32-bit accumulator, as in section 4.1 of the RFC) and lwIP's
 * lwip_standard_chksum (the routine behind inet_chksum, from Debian's liblwip.so).
 * All three must agree on every buffer before anything is timed. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_lwip.h"
#include "bench_util.h"
#include "wire/csum.h"

/* RFC 1071 section 4.1, returned as the value to store (host order, complemented). */
__attribute__((noinline)) static uint16_t ref_csum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t lwip_csum(const void *buf, size_t len)
{
	/* not complemented, network order */
	return (uint16_t)~ntohs(lwipb_standard_chksum(buf, (int)len));
}

typedef uint16_t (*csum_fn)(const void *, size_t);

/* Checksums are equal modulo 0xffff (0x0000 and 0xffff are both zero). */
static bool same(uint16_t a, uint16_t b)
{
	return a == b || ((a == 0 || a == 0xffff) && (b == 0 || b == 0xffff));
}

/* GB/s of fn over len bytes at buf: repeat to about `bytes` in all. */
static double measure(csum_fn fn, const uint8_t *buf, size_t len, uint64_t bytes)
{
	uint64_t iters = bytes / len, t0, t1;
	uint32_t sink = 0;

	if (iters < 16)
		iters = 16;
	for (uint64_t i = 0; i < iters / 16 + 1; i++) {   /* warm */
		bench_clobber(buf);
		sink += fn(buf, len);
	}
	t0 = bench_wall_ns();
	for (uint64_t i = 0; i < iters; i++) {
		bench_clobber(buf);
		sink += fn(buf, len);
	}
	t1 = bench_wall_ns();
	bench_clobber(&sink);
	return (double)(iters * len) / (double)(t1 - t0);   /* bytes per ns = GB/s */
}

int main(void)
{
	static const struct { size_t len; size_t offset; const char *name; } cases[] = {
		{ 64, 0, "64 B" },
		{ 1500, 0, "1500 B" },
		{ 1500, 1, "1500 B, odd address" },
		{ 65536, 0, "64 KiB" },
	};
	char why[256] = "";
	bool have_lwip = lwipb_load(why, sizeof(why)) == 0;
	uint64_t bytes = bench_quick() ? (64u << 20) : (1024u << 20);
	uint8_t *mem = aligned_alloc(64, 65536 + 64);
	int runs = bench_runs();
	const struct bench_table t = {
		.title = "bench_csum: Internet checksum throughput (one core, data in L1/L2 cache)",
		.col = { "ustack", "RFC1071-ref", "lwIP" },
	};

	if (!mem)
		return 1;
	srand(1071);
	for (size_t i = 0; i < 65536 + 64; i++)
		mem[i] = (uint8_t)rand();

	/* agreement first, over many lengths and alignments */
	for (size_t off = 0; off < 8; off++) {
		for (size_t len = 0; len <= 2100; len += (len < 80 ? 1 : 37)) {
			uint16_t a = csum(mem + off, len), r = ref_csum(mem + off, len);

			if (!same(a, r) || (have_lwip && !same(a, lwip_csum(mem + off, len)))) {
				fprintf(stderr, "bench_csum: checksums disagree at len %zu off %zu\n",
					len, off);
				return 1;
			}
		}
	}

	bench_table_begin(&t);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct bench_stat su = { .n = 0 }, sr = { .n = 0 }, sl = { .n = 0 };
		const uint8_t *buf = mem + cases[c].offset;
		char metric[64];

		for (int r = 0; r < runs; r++) {
			bench_stat_add(&su, measure(csum, buf, cases[c].len, bytes));
			bench_stat_add(&sr, measure(ref_csum, buf, cases[c].len, bytes));
			if (have_lwip)
				bench_stat_add(&sl, measure(lwip_csum, buf, cases[c].len, bytes));
		}
		if (!have_lwip)
			bench_stat_na(&sl, why);
		snprintf(metric, sizeof(metric), "checksum %s", cases[c].name);
		bench_table_row(&t, metric, "GB/s", "higher", &su, &sr, &sl);
	}
	if (have_lwip)
		bench_note("lwIP %s: lwip_standard_chksum from liblwip.so (the sum inside inet_chksum; "
			   "inet_chksum itself takes a u16_t length, too short for 64 KiB)",
			   lwipb_version());
	else
		bench_note("lwIP not measured: %s", why);
	bench_note("the reference loop is compiled with the same flags as ustack (the compiler may "
		   "vectorise it)");
	bench_table_end(&t);
	free(mem);
	return 0;
}
