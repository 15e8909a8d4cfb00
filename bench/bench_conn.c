/* bench_conn.c - many connections: how fast they come and go, what an idle one costs.
 * The sockets (ustack or Linux) are behind conn_net.h; the workloads are conn_load.h.
 *
 *   1. Connections per second on ONE thread: connect (non-blocking), accept, a 64-byte
 *      request, a 128-byte response, the client closes, the server reads the end of stream
 *      and closes. WINDOW connections in flight, served by an event loop on epoll.
 *        ustack  one server stack and N_CLIENTS client stacks (each its own IPv4 address)
 *                on one vnet, all stepped by this thread (ustack_step(st, now)); the clock
 *                given to the stacks follows the wall clock (and jumps to the next
 *                deadline when nothing moves), and the stacks' MSL is short (TIME_WAIT
 *                2*MSL), so the client ports held in TIME_WAIT come back during the run.
 *                Three rows: default buffers, 16 KiB buffers, and default buffers with
 *                glibc's heap trimming off (mallopt); each run in a fresh process;
 *        Linux   the same loop on kernel sockets over lo, in a network namespace the bench
 *                creates for each run (a forked child, unshare(CLONE_NEWNET)), the clients
 *                bound to N_CLIENTS source addresses 127.0.0.2.. (IP_BIND_ADDRESS_NO_PORT).
 *      Wall clock and this thread's CPU time (Linux: its kernel work is charged to it).
 *   2. Memory per idle established connection at N = 10,000 and 100,000, every socket
 *      watched by an epoll set as an event loop would:
 *        ustack  both ends in this process: RSS delta / N (/proc/self/statm) and heap
 *                delta / N (mallinfo2), for both ends, and for the server end alone
 *                (measured after the client stacks are freed; RSS after malloc_trim);
 *        Linux   the kernel's memory: /proc/meminfo Slab delta (socket, file, dentry, inode,
 *                epitem objects: machine-wide, so other activity on the machine is noise)
 *                plus the holders' RSS delta, and /proc/net/sockstat "TCP ... mem" pages
 *                (buffer memory charged to TCP); several holder processes when the
 *                descriptor limit is short;
 *        nginx   /usr/sbin/nginx (Debian nginx-light) in a namespace: its workers' RSS
 *                delta with N idle clients that send nothing.
 *   3. CPU used by 10,000 idle connections: ustack stacks on their runner threads
 *      (ustack_start), process CPU time (every thread, CLOCK_PROCESS_CPUTIME_ID) over 10 s
 *      of wall time; Linux: the processes holding the kernel sockets, in epoll_wait.
 *
 * Environment (see bench_util.h): BENCH_RUNS (repetitions of part 1), BENCH_QUICK=1 or
 * --quick (small N, short runs: about 15 s in all), BENCH_ONLY=ustack,ustack-16k,
 * ustack-mallopt,linux,nginx, BENCH_PARTS=1,2,3, BENCH_DEBUG=1 (the pace, costs). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "conn_load.h"
#include "conn_net.h"
#include "ustack/dev.h"
#include "ustack/epoll.h"
#include "ustack/socket.h"
#include "ustack/ustack.h"

#define SMALL_BUF 16384        /* part 1, second ustack row: SO_SNDBUF = SO_RCVBUF */
#define CPS_MSL_MS 100         /* part 1, ustack: TIME_WAIT lasts 200 ms */

static bool quick;


/* ===================================================================================
 * Measurements
 * =================================================================================== */

static long page_size(void) { return sysconf(_SC_PAGESIZE); }

static double rss_bytes(void)
{
	long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%ld %ld", &size, &res) != 2)
		res = 0;
	if (f)
		fclose(f);
	return (double)res * (double)page_size();
}

static double heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (double)mi.uordblks;
}

static double meminfo_kb(const char *key)
{
	char line[256];
	double v = -1;
	size_t kl = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = atof(line + kl + 1);
			break;
		}
	fclose(f);
	return v;
}

/* /proc/net/sockstat "TCP: inuse a orphan b tw c alloc d mem e": field by name. */
static long sockstat_tcp(const char *field)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/net/sockstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, "TCP:", 4) != 0)
			continue;
		p = strstr(line, field);
		if (p)
			v = atol(p + strlen(field) + 1);
	}
	fclose(f);
	return v;
}

/* user + sys of every thread of the process: CLOCK_PROCESS_CPUTIME_ID, the precise form of
 * getrusage(RUSAGE_SELF) (whose tick-based split into user and sys is too coarse for
 * a fraction of a percent). */
static double proc_cpu_s(void)
{
	return (double)bench_proc_cpu_ns() / 1e9;
}

static double idle_seconds(void) { return quick ? 1.0 : 10.0; }

/* --- part 1 --- */

static bool in_child(void (*fn)(void *res, size_t cap, void *arg), void *arg, void *res,
		     size_t cap, long nfiles, bool netns);

struct ustack_cps_arg {
	double secs;
	int bufsz;
	bool tune_malloc;
};

static void ustack_cps_child(void *res, size_t cap, void *arg)
{
	struct ustack_cps_arg *a = arg;
	struct unet *u;
	struct cps_result r;
	struct ustack_stats s;
	unsigned long long rexmit = 0;

	(void)cap;
	if (a->tune_malloc) {
		/* no trimming of the heap's top, no mmap for the 1 MiB rings */
		mallopt(M_TRIM_THRESHOLD, 256 << 20);
		mallopt(M_MMAP_THRESHOLD, 32 << 20);
	}
	u = unet_new(CPS_MSL_MS, false, a->bufsz);
	r = run_cps(&u->net, (uint64_t)(a->secs * 1e9));
	for (int h = 0; h < MAX_HOSTS; h++) {
		ustack_get_stats(u->st[h], &s);
		rexmit += s.tcp_retransmits;
	}
	if (getenv("BENCH_DEBUG")) {
		fprintf(stderr, "bench_conn: ustack cps: %llu retransmissions; sockets left:", rexmit);
		for (int h = 0; h < MAX_HOSTS; h++)
			fprintf(stderr, " %zu", ustack_sockets(u->st[h], NULL, 0));
		fprintf(stderr, "\n");
	}
	unet_free(u);
	memcpy(res, &r, sizeof(r));
}

/* Each run in a fresh process: the allocator's state (glibc's dynamic mmap and trim
 * thresholds move with what was freed before) must not carry from one run to the next. */
static struct cps_result ustack_cps(double secs, int bufsz, bool tune_malloc)
{
	struct ustack_cps_arg a = { .secs = secs, .bufsz = bufsz, .tune_malloc = tune_malloc };
	struct cps_result r = { .ok = false };

	if (!in_child(ustack_cps_child, &a, &r, sizeof(r), 0, false))
		r.ok = false;
	return r;
}

/* Run fn in a forked child (inside a fresh network namespace if netns); its result comes
 * back through a pipe. */
static bool in_child(void (*fn)(void *res, size_t cap, void *arg), void *arg, void *res,
		     size_t cap, long nfiles, bool netns)
{
	int pfd[2], status;
	pid_t pid;
	bool ok;

	if (pipe(pfd) != 0)
		return false;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		close(pfd[0]);
		memset(res, 0, cap);
		if (!netns || lnet_netns(nfiles) == 0)
			fn(res, cap, arg);
		else
			fprintf(stderr, "bench_conn: no network namespace: %s\n", strerror(errno));
		if (write(pfd[1], res, cap) != (ssize_t)cap)
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	ok = read(pfd[0], res, cap) == (ssize_t)cap;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return ok;
}

struct linux_cps_arg {
	double secs;
	long tw;                  /* TIME_WAIT sockets at the end */
};

static void linux_cps_child(void *res, size_t cap, void *arg)
{
	struct linux_cps_arg *a = arg;
	struct lnet *l = lnet_new(SRV_PORT);
	struct cps_result r = run_cps(&l->net, (uint64_t)(a->secs * 1e9));

	(void)cap;
	a->tw = sockstat_tcp("tw");
	memcpy(res, &r, sizeof(r));
	memcpy((char *)res + sizeof(r), &a->tw, sizeof(a->tw));
}

static struct cps_result linux_cps(double secs, long *tw)
{
	struct linux_cps_arg a = { .secs = secs };
	char res[sizeof(struct cps_result) + sizeof(long)];
	struct cps_result r = { .ok = false };

	if (in_child(linux_cps_child, &a, res, sizeof(res), 1 << 16, true)) {
		memcpy(&r, res, sizeof(r));
		memcpy(tw, res + sizeof(r), sizeof(*tw));
	}
	return r;
}

/* --- part 2 --- */

struct mem_result {
	bool ok;
	char err[160];
	double total_rss, total_heap;      /* bytes per connection, both ends */
	double srv_rss, srv_heap;          /* server end alone */
	double kernel_slab, kernel_tcp_mem, proc_rss;   /* Linux */
	double setup_s;                    /* time to establish them */
	double cpu_pct;                    /* Linux, idle: CPU of the holding processes */
};

static struct mem_result ustack_mem(long N)
{
	struct mem_result r = { .ok = false };
	struct pool p;
	struct unet *u;
	double rss_s, heap_s, rss0, heap0, rss1, heap1, rss2, heap2;
	uint64_t t0;

	pool_init(&p, 2 * (size_t)N + 16);
	memset(p.all, 0, p.n * sizeof(*p.all));
	for (size_t i = 0; i < p.n; i++)          /* rebuild the free list after the memset */
		p.all[i].next = i + 1 < p.n ? &p.all[i + 1] : NULL;
	p.free = p.all;
	malloc_trim(0);
	rss_s = rss_bytes();
	heap_s = heap_bytes();
	u = unet_new(0, false, 0);
	rss0 = rss_bytes();
	heap0 = heap_bytes();
	/* the client stacks' own baseline: everything of the stacks 1..K */
	t0 = bench_wall_ns();
	if (!establish(&u->net, &p, N, r.err, sizeof(r.err))) {
		unet_free(u);
		free(p.all);
		return r;
	}
	/* let the last ACKs land, so every end is ESTABLISHED and idle */
	for (int i = 0; i < 100; i++) {
		struct ev e[16];

		u->net.wait(&u->net, e, 16, 0);
	}
	r.setup_s = (double)(bench_wall_ns() - t0) / 1e9;
	rss1 = rss_bytes();
	heap1 = heap_bytes();
	r.total_rss = (rss1 - rss0) / (double)N;
	r.total_heap = (heap1 - heap0) / (double)N;
	/* The server end alone: free the client stacks (their connections and their own
	 * baseline go), then compare with the point before any stack existed plus the
	 * server stack's baseline. */
	for (int h = 1; h < MAX_HOSTS; h++) {
		ustack_free(u->st[h]);
		u->st[h] = NULL;
	}
	malloc_trim(0);
	rss2 = rss_bytes();
	heap2 = heap_bytes();
	{
		/* a fresh server stack alone, for its baseline */
		struct ustack_config cfg = { .name = "probe", .seed = 1 };
		double hb = heap_bytes();
		struct ustack *probe = ustack_new(&cfg);
		double base = heap_bytes() - hb;

		ustack_free(probe);
		r.srv_heap = (heap2 - heap_s - base) / (double)N;
		r.srv_rss = (rss2 - rss_s) / (double)N;
	}
	unet_free(u);      /* frees the server stack; NULL client slots are skipped */
	free(p.all);
	r.ok = true;
	return r;
}

/* One worker of linux_mem_child: n connections (both ends) to its own listener, kept
 * open until the parent closes `go`. */
struct lworker_res {
	bool ok;
	double rss;
	double cpu_s, wall_s;      /* idle measurement, when asked */
	char err[160];
};

static double idle_seconds(void);
static double proc_cpu_s(void);

static void linux_mem_worker(int port, long n, int out, int go, bool client_only)
{
	struct lworker_res w = { .ok = false };
	struct pool p;
	struct lnet *l;
	double rss0;
	char c;

	pool_init(&p, 2 * (size_t)n + 16);
	memset(p.all, 0, p.n * sizeof(*p.all));
	for (size_t i = 0; i < p.n; i++)
		p.all[i].next = i + 1 < p.n ? &p.all[i + 1] : NULL;
	p.free = p.all;
	l = client_only ? lnet_client(port) : lnet_new(port);
	rss0 = rss_bytes();
	if (client_only ? establish_clients(&l->net, &p, n, w.err, sizeof(w.err))
			: establish(&l->net, &p, n, w.err, sizeof(w.err))) {
		struct ev e[16];

		l->net.wait(&l->net, e, 16, 100);
		w.rss = rss_bytes() - rss0;
		w.ok = true;
	}
	if (write(out, &w, sizeof(w)) != (ssize_t)sizeof(w))
		_exit(1);
	/* hold the connections until the parent is done; 'm': measure the CPU used while
	 * idle, asleep in epoll_wait as an event loop */
	while (read(go, &c, 1) > 0) {
		if (c == 'm' && w.ok) {
			uint64_t t0 = bench_wall_ns();
			double c0 = proc_cpu_s();
			struct ev e[16];

			while (bench_wall_ns() - t0 < (uint64_t)(idle_seconds() * 1e9))
				if (l->net.wait(&l->net, e, 16, 1000) > 0) {
					w.ok = false;
					snprintf(w.err, sizeof(w.err), "an idle connection had an event");
				}
			w.cpu_s = proc_cpu_s() - c0;
			w.wall_s = (double)(bench_wall_ns() - t0) / 1e9;
			if (write(out, &w, sizeof(w)) != (ssize_t)sizeof(w))
				_exit(1);
		}
	}
	_exit(0);
}

/* N connections held by as many processes as the descriptor limit needs (the hard limit
 * may not be raised without CAP_SYS_RESOURCE), all in this namespace. */
struct linux_workers_arg {
	long n;
	bool idle;            /* also measure their CPU while idle */
	double cpu_pct;       /* out: sum over the workers, % of one CPU */
};

static void linux_mem_child(void *res, size_t cap, void *arg)
{
	struct linux_workers_arg *a = arg;
	long N = a->n;
	struct mem_result r = { .ok = false };
	struct rlimit rl;
	long per, nproc, mem0, mem1;
	double slab0, slab1, rss = 0;
	int out[2], go[2];
	pid_t pids[64];
	uint64_t t0;

	(void)cap;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || pipe(out) != 0 || pipe(go) != 0) {
		snprintf(r.err, sizeof(r.err), "rlimit/pipe: %s", strerror(errno));
		memcpy(res, &r, sizeof(r));
		return;
	}
	per = ((long)rl.rlim_cur - 64) / 2;
	nproc = (N + per - 1) / per;
	if (nproc > 64)
		nproc = 64;
	per = (N + nproc - 1) / nproc;
	slab0 = meminfo_kb("Slab");
	mem0 = sockstat_tcp("mem");
	t0 = bench_wall_ns();
	for (long i = 0; i < nproc; i++) {
		long n = i == nproc - 1 ? N - per * (nproc - 1) : per;

		fflush(NULL);
		pids[i] = fork();
		if (pids[i] == 0) {
			close(out[0]);
			close(go[1]);
			linux_mem_worker(SRV_PORT + (int)i, n, out[1], go[0], false);
		}
	}
	close(out[1]);
	close(go[0]);
	r.ok = true;
	for (long i = 0; i < nproc; i++) {
		struct lworker_res w;

		if (read(out[0], &w, sizeof(w)) != (ssize_t)sizeof(w)) {
			r.ok = false;
			snprintf(r.err, sizeof(r.err), "a worker died");
			break;
		}
		if (!w.ok && r.ok) {
			r.ok = false;
			memcpy(r.err, w.err, sizeof(r.err));
		}
		rss += w.rss;
	}
	r.setup_s = (double)(bench_wall_ns() - t0) / 1e9;
	slab1 = meminfo_kb("Slab");
	mem1 = sockstat_tcp("mem");
	if (r.ok && a->idle) {
		usleep(1000000);                 /* the last (delayed) ACKs */
		for (long i = 0; i < nproc; i++)
			if (write(go[1], "m", 1) != 1)
				r.ok = false;
		a->cpu_pct = 0;
		for (long i = 0; i < nproc && r.ok; i++) {
			struct lworker_res w;

			if (read(out[0], &w, sizeof(w)) != (ssize_t)sizeof(w) || !w.ok) {
				r.ok = false;
				snprintf(r.err, sizeof(r.err), "idle: %.150s", w.err);
				break;
			}
			a->cpu_pct += w.cpu_s / w.wall_s * 100;
		}
	}
	close(go[1]);
	for (long i = 0; i < nproc; i++)
		waitpid(pids[i], NULL, 0);
	close(out[0]);
	r.kernel_slab = (slab1 - slab0) * 1024 / (double)N;
	r.kernel_tcp_mem = (double)(mem1 - mem0) * (double)page_size() / (double)N;
	r.proc_rss = rss / (double)N;
	r.total_rss = r.kernel_slab + r.proc_rss;
	r.cpu_pct = a->cpu_pct;
	memcpy(res, &r, sizeof(r));
}

static struct mem_result linux_mem(long N)
{
	struct mem_result r = { .ok = false };

	struct linux_workers_arg a = { .n = N };

	if (!in_child(linux_mem_child, &a, &r, sizeof(r), 2 * N + 1024, true))
		r.ok = false;
	return r;
}

/* --- nginx (Debian's nginx-light), a reference for the server end --- */

#define NGINX_BIN "/usr/sbin/nginx"
#define NGINX_PER_WORKER 15000

static int pid_children(pid_t pid, pid_t *out, int max)
{
	char path[64];
	int n = 0;
	long v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (n < max && fscanf(f, "%ld", &v) == 1)
		out[n++] = (pid_t)v;
	fclose(f);
	return n;
}

static double pid_rss(pid_t pid)
{
	char path[64];
	long size = 0, res = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%ld %ld", &size, &res) != 2)
		res = 0;
	if (f)
		fclose(f);
	return (double)res * (double)page_size();
}

static long pid_nfds(pid_t pid)
{
	char path[64];
	long n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static bool nginx_listening(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(0x7f000001u) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* nginx workers' RSS before and after N idle client connections (no request sent),
 * in this namespace; the clients are held by worker processes as in linux_mem. */
static void nginx_mem_child(void *res, size_t cap, void *arg)
{
	long N = *(long *)arg;
	struct mem_result r = { .ok = false };
	char dir[] = "/tmp/bench_conn_nginx.XXXXXX", conf[128], cmd[160];
	int nworkers = (int)((N + NGINX_PER_WORKER - 1) / NGINX_PER_WORKER), port = SRV_PORT;
	pid_t master, workers[64], holders[64];
	double rss0 = 0, rss1 = 0;
	long fd0 = 0, fd1 = 0, per, nproc;
	struct rlimit rl;
	int out[2], go[2], nw = 0;
	FILE *f;

	(void)cap;
	if (access(NGINX_BIN, X_OK) != 0) {
		snprintf(r.err, sizeof(r.err), "no %s (Debian nginx-light)", NGINX_BIN);
		goto done;
	}
	/* close-on-exec: nginx must not hold the holders' pipes open */
	if (!mkdtemp(dir) || getrlimit(RLIMIT_NOFILE, &rl) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
	    pipe2(go, O_CLOEXEC) != 0) {
		snprintf(r.err, sizeof(r.err), "setup: %s", strerror(errno));
		goto done;
	}
	snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
	f = fopen(conf, "w");
	if (!f) {
		snprintf(r.err, sizeof(r.err), "%s: %s", conf, strerror(errno));
		goto done;
	}
	fprintf(f, "daemon off;\nmaster_process on;\nworker_processes %d;\n"
		"worker_rlimit_nofile %ld;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
		"events { worker_connections %d; }\n"
		"http { access_log off; client_header_timeout 600s; keepalive_timeout 600s;\n"
		"  server { listen 127.0.0.1:%d reuseport backlog=4096;\n"
		"    location / { return 200 \"ok\\n\"; } } }\n",
		nworkers, (long)rl.rlim_cur, dir, dir, NGINX_PER_WORKER + 1000, port);
	fclose(f);
	fflush(NULL);
	master = fork();
	if (master == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execl(NGINX_BIN, "nginx", "-p", dir, "-e", "stderr", "-c", conf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && !nginx_listening(port); i++)
		usleep(50000);
	for (int i = 0; i < 100 && (nw = pid_children(master, workers, 64)) < nworkers; i++)
		usleep(50000);
	if (nw < nworkers || !nginx_listening(port)) {
		snprintf(r.err, sizeof(r.err), "nginx did not start (%d of %d workers)", nw,
			 nworkers);
		goto stop;
	}
	usleep(300000);
	for (int i = 0; i < nw; i++) {
		rss0 += pid_rss(workers[i]);
		fd0 += pid_nfds(workers[i]);
	}
	per = ((long)rl.rlim_cur - 64);
	nproc = (N + per - 1) / per;
	per = (N + nproc - 1) / nproc;
	for (long i = 0; i < nproc; i++) {
		long n = i == nproc - 1 ? N - per * (nproc - 1) : per;

		fflush(NULL);
		holders[i] = fork();
		if (holders[i] == 0) {
			close(out[0]);
			close(go[1]);
			linux_mem_worker(port, n, out[1], go[0], true);
		}
	}
	close(out[1]);
	close(go[0]);
	r.ok = true;
	for (long i = 0; i < nproc; i++) {
		struct lworker_res w;

		if (read(out[0], &w, sizeof(w)) != (ssize_t)sizeof(w) || !w.ok) {
			r.ok = false;
			snprintf(r.err, sizeof(r.err), "clients: %.140s", w.err);
			break;
		}
	}
	/* wait for nginx to have accepted them all */
	for (int t = 0; t < 200 && r.ok; t++) {
		fd1 = 0;
		for (int i = 0; i < nw; i++)
			fd1 += pid_nfds(workers[i]);
		if (fd1 - fd0 >= N - 2 * nw)    /* a worker may close a channel fd meanwhile */
			break;
		usleep(50000);
	}
	if (r.ok && fd1 - fd0 < N - 2 * nw) {
		r.ok = false;
		snprintf(r.err, sizeof(r.err), "nginx accepted %ld of %ld", fd1 - fd0, N);
	}
	for (int i = 0; i < nw; i++)
		rss1 += pid_rss(workers[i]);
	r.srv_rss = (rss1 - rss0) / (double)N;
	close(go[1]);
	for (long i = 0; i < nproc; i++)
		waitpid(holders[i], NULL, 0);
	close(out[0]);
stop:
	kill(master, SIGTERM);
	waitpid(master, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_conn: could not remove %s\n", dir);
done:
	memcpy(res, &r, sizeof(r));
}

static struct mem_result nginx_mem(long N)
{
	struct mem_result r = { .ok = false };

	if (!in_child(nginx_mem_child, &N, &r, sizeof(r), 2 * N + 1024, true))
		r.ok = false;
	return r;
}

/* --- part 3 --- */

struct idle_result {
	bool ok;
	char err[160];
	double cpu_pct;         /* of one CPU */
	double setup_s;
	unsigned long long wakeups;
};

static struct idle_result ustack_idle(long N)
{
	struct idle_result r = { .ok = false };
	struct pool p;
	struct unet *u = unet_new(0, true, 0);
	double c0, c1;
	uint64_t t0, t1;

	pool_init(&p, 2 * (size_t)N + 16);
	t0 = bench_wall_ns();
	if (establish(&u->net, &p, N, r.err, sizeof(r.err))) {
		struct ustack_stats s;
		struct ev e[16];
		unsigned long long w0 = 0, w1 = 0;

		r.setup_s = (double)(bench_wall_ns() - t0) / 1e9;
		usleep(1000000);             /* the last ACKs, delayed ones included */
		if (getenv("BENCH_DEBUG")) {
			/* what one look at the sets costs with every connection idle */
			uint64_t c = bench_thread_cpu_ns(), w = bench_wall_ns();

			u->net.wait(&u->net, e, 16, 0);
			fprintf(stderr, "bench_conn: one ustack_epoll_wait(0) on each of the %d sets: "
				"%.1f us CPU, %.1f us wall\n", MAX_HOSTS,
				(double)(bench_thread_cpu_ns() - c) / 1e3,
				(double)(bench_wall_ns() - w) / 1e3);
		}
		for (int h = 0; h < MAX_HOSTS; h++) {
			ustack_get_stats(u->st[h], &s);
			w0 += s.sock_wakeups + s.sock_timeouts;
		}
		t0 = bench_wall_ns();
		c0 = proc_cpu_s();
		/* the application waits as an event loop would: on the sets' eventfds */
		while (bench_wall_ns() - t0 < (uint64_t)(idle_seconds() * 1e9)) {
			if (u->net.wait(&u->net, e, 16, 1000) > 0) {
				snprintf(r.err, sizeof(r.err), "an idle connection had an event");
				break;
			}
		}
		c1 = proc_cpu_s();
		t1 = bench_wall_ns();
		for (int h = 0; h < MAX_HOSTS; h++) {
			ustack_get_stats(u->st[h], &s);
			w1 += s.sock_wakeups + s.sock_timeouts;
		}
		r.wakeups = w1 - w0;
		r.cpu_pct = (c1 - c0) / ((double)(t1 - t0) / 1e9) * 100;
		r.ok = !r.err[0];
	}
	unet_free(u);
	free(p.all);
	return r;
}

/* The same processes as linux_mem, asleep in epoll_wait while idle. */
static struct idle_result linux_idle(long N)
{
	struct linux_workers_arg a = { .n = N, .idle = true };
	struct mem_result m = { .ok = false };
	struct idle_result r = { .ok = false };

	if (in_child(linux_mem_child, &a, &m, sizeof(m), 2 * N + 1024, true) && m.ok) {
		r.ok = true;
		r.cpu_pct = m.cpu_pct;
		r.setup_s = m.setup_s;
	} else {
		snprintf(r.err, sizeof(r.err), "%s", m.err);
	}
	return r;
}

/* ===================================================================================
 * main
 * =================================================================================== */

/* BENCH_PARTS=1,3: only these parts (default all). */
static bool want_part(int k)
{
	const char *s = getenv("BENCH_PARTS");
	char c = (char)('0' + k);

	return !s || !*s || strchr(s, c) != NULL;
}

static void add_if(struct bench_stat *s, bool ok, double v, const char *why)
{
	if (ok)
		bench_stat_add(s, v);
	else
		bench_stat_na(s, why);
}

int main(int argc, char **argv)
{
	int runs = bench_runs();
	bool do_us = bench_want("ustack"), do_lx = bench_want("linux");
	bool do_sm = bench_want("ustack-16k"), do_mt = bench_want("ustack-mallopt");
	struct bench_stat us_cps = { 0 }, lx_cps = { 0 }, us_cpu = { 0 }, lx_cpu = { 0 },
			  us_util = { 0 }, lx_util = { 0 }, sm_cps = { 0 }, sm_cpu = { 0 },
			  sm_util = { 0 }, us_rate = { 0 }, sm_rate = { 0 }, lx_rate = { 0 },
			  mt_cps = { 0 }, mt_cpu = { 0 }, mt_rate = { 0 }, mt_util = { 0 };
	long lx_tw = -1;
	char us_err[400] = "", lx_err[400] = "";
	double secs;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			quick = true;
		} else {
			fprintf(stderr, "usage: bench_conn [--quick]   (env: BENCH_RUNS, BENCH_QUICK, "
				"BENCH_ONLY=ustack,linux)\n");
			return 2;
		}
	}
	quick = quick || bench_quick();
	secs = quick ? 0.3 : 3.0;
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* --- 1 --- */
	if (!want_part(1))
		runs = 0;
	fprintf(stderr, "bench_conn: %d runs of %.1f s of connect/request/response/close per side...\n",
		runs, secs);
	for (int run = 0; run < runs; run++) {
		if (do_us) {
			struct cps_result r = ustack_cps(secs, 0, false);

			if (r.ok) {
				bench_stat_add(&us_cps, (double)r.done / r.wall_s);
				bench_stat_add(&us_cpu, r.cpu_s * 1e6 / (double)r.done);
				bench_stat_add(&us_rate, (double)r.done / r.cpu_s);
				bench_stat_add(&us_util, r.cpu_s / r.wall_s * 100);
			} else if (!us_err[0]) {
				snprintf(us_err, sizeof(us_err), "ustack: %s (%ld done, %ld failed)",
					 r.err, r.done, r.failed);
			}
			if (r.failed)
				fprintf(stderr, "bench_conn: ustack: %ld connections failed\n", r.failed);
		}
		if (do_sm) {
			struct cps_result r = ustack_cps(secs, SMALL_BUF, false);

			if (r.ok) {
				bench_stat_add(&sm_cps, (double)r.done / r.wall_s);
				bench_stat_add(&sm_cpu, r.cpu_s * 1e6 / (double)r.done);
				bench_stat_add(&sm_rate, (double)r.done / r.cpu_s);
				bench_stat_add(&sm_util, r.cpu_s / r.wall_s * 100);
			} else if (!us_err[0]) {
				snprintf(us_err, sizeof(us_err), "ustack %d B buffers: %s (%ld done, "
					 "%ld failed)", SMALL_BUF, r.err, r.done, r.failed);
			}
		}
		if (do_mt) {
			struct cps_result r = ustack_cps(secs, 0, true);

			if (r.ok) {
				bench_stat_add(&mt_cps, (double)r.done / r.wall_s);
				bench_stat_add(&mt_cpu, r.cpu_s * 1e6 / (double)r.done);
				bench_stat_add(&mt_rate, (double)r.done / r.cpu_s);
				bench_stat_add(&mt_util, r.cpu_s / r.wall_s * 100);
			}
		}
		if (do_lx) {
			struct cps_result r = linux_cps(secs, &lx_tw);

			if (r.ok) {
				bench_stat_add(&lx_cps, (double)r.done / r.wall_s);
				bench_stat_add(&lx_cpu, r.cpu_s * 1e6 / (double)r.done);
				bench_stat_add(&lx_rate, (double)r.done / r.cpu_s);
				bench_stat_add(&lx_util, r.cpu_s / r.wall_s * 100);
			} else if (!lx_err[0]) {
				snprintf(lx_err, sizeof(lx_err), "Linux: %s (%ld done)", r.err, r.done);
			}
		}
	}
	if (us_cps.n == 0) {
		bench_stat_na(&us_cps, "failed");
		bench_stat_na(&us_cpu, "failed");
		bench_stat_na(&us_util, "failed");
		bench_stat_na(&us_rate, "failed");
	}
	if (sm_cps.n == 0) {
		bench_stat_na(&sm_cps, "failed");
		bench_stat_na(&sm_cpu, "failed");
		bench_stat_na(&sm_util, "failed");
		bench_stat_na(&sm_rate, "failed");
	}
	if (mt_cps.n == 0) {
		bench_stat_na(&mt_cps, "failed");
		bench_stat_na(&mt_cpu, "failed");
		bench_stat_na(&mt_util, "failed");
		bench_stat_na(&mt_rate, "failed");
	}
	if (lx_cps.n == 0) {
		bench_stat_na(&lx_cps, "failed");
		bench_stat_na(&lx_cpu, "failed");
		bench_stat_na(&lx_util, "failed");
		bench_stat_na(&lx_rate, "failed");
	}
	if (runs == 0)
		goto part2;
	const struct bench_table t1 = {
		.title = "bench_conn: connections per second, one thread (connect, 64 B request, "
			 "128 B response, close)",
		.col = { "ustack", "Linux", "-" },
	};
	bench_table_begin(&t1);
	bench_table_row(&t1, "connections/s, default buffers", "conn/s", "higher", &us_cps, &lx_cps,
			NULL);
	bench_table_row(&t1, "  CPU per connection", "CPU us", "lower", &us_cpu, &lx_cpu, NULL);
	bench_table_row(&t1, "  per CPU second", "conn/CPU-s", "higher", &us_rate, &lx_rate, NULL);
	bench_table_row(&t1, "  thread CPU / wall", "%", NULL, &us_util, &lx_util, NULL);
	bench_table_row(&t1, "connections/s, 16 KiB buffers", "conn/s", "higher", &sm_cps, &lx_cps,
			NULL);
	bench_table_row(&t1, "  CPU per connection", "CPU us", "lower", &sm_cpu, &lx_cpu, NULL);
	bench_table_row(&t1, "  per CPU second", "conn/CPU-s", "higher", &sm_rate, &lx_rate, NULL);
	bench_table_row(&t1, "  thread CPU / wall", "%", NULL, &sm_util, &lx_util, NULL);
	bench_table_row(&t1, "connections/s, default, mallopt", "conn/s", "higher", &mt_cps,
			&lx_cps, NULL);
	bench_table_row(&t1, "  CPU per connection", "CPU us", "lower", &mt_cpu, &lx_cpu, NULL);
	bench_table_row(&t1, "  per CPU second", "conn/CPU-s", "higher", &mt_rate, &lx_rate, NULL);
	bench_table_row(&t1, "  thread CPU / wall", "%", NULL, &mt_util, &lx_util, NULL);
	bench_note("%.1f s per run, %d connections in flight, one event loop on epoll "
		   "(ustack_epoll_* per stack / Linux epoll) serving both ends", secs, WINDOW);
	bench_note("ustack: 1 server + %d client stacks (10.0.0.1, 10.0.0.2..) on one vnet, "
		   "stepped by this thread; tcp_msl_ms %d (TIME_WAIT %d ms of a clock that "
		   "follows the wall clock)", N_CLIENTS, CPS_MSL_MS, 2 * CPS_MSL_MS);
	bench_note("Linux: lo in a fresh network namespace per run, clients bound to %d source "
		   "addresses, ports 1024-65535, TIME_WAIT 60 s (%ld in TIME_WAIT at the end of "
		   "the last run); CPU = this thread's, kernel work included",
		   N_CLIENTS, lx_tw);
	bench_note("'default buffers': ustack's 1 MiB SO_SNDBUF/SO_RCVBUF, Linux's defaults (the "
		   "Linux column is the same run in both rows); '16 KiB buffers': SO_SNDBUF and "
		   "SO_RCVBUF %d on the ustack sockets (listener and clients); 'mallopt': default "
		   "buffers, glibc told not to trim the heap nor mmap the rings (M_TRIM_THRESHOLD "
		   "256 MiB, M_MMAP_THRESHOLD 32 MiB); each ustack run in a fresh process", SMALL_BUF);
	if (us_err[0])
		bench_note("%s", us_err);
	if (lx_err[0])
		bench_note("%s", lx_err);
	bench_table_end(&t1);
part2:

	/* --- 2 --- */
	if (want_part(2)) {
	long sizes[2] = { quick ? 1000 : 10000, quick ? 5000 : 100000 };
	struct bench_stat m[2][8], ng[2];
	struct mem_result mr_us[2], mr_lx[2], mr_ng[2];
	bool do_ng = bench_want("nginx");

	memset(m, 0, sizeof(m));
	memset(mr_us, 0, sizeof(mr_us));
	memset(mr_lx, 0, sizeof(mr_lx));
	memset(mr_ng, 0, sizeof(mr_ng));
	memset(ng, 0, sizeof(ng));
	for (int i = 0; i < 2; i++) {
		fprintf(stderr, "bench_conn: %ld idle connections...\n", sizes[i]);
		if (do_us)
			mr_us[i] = ustack_mem(sizes[i]);
		if (do_lx)
			mr_lx[i] = linux_mem(sizes[i]);
		if (do_ng) {
			mr_ng[i] = nginx_mem(sizes[i]);
			if (!mr_ng[i].ok)
				fprintf(stderr, "bench_conn: nginx %ld connections: %s\n", sizes[i],
					mr_ng[i].err);
		}
		add_if(&ng[i], mr_ng[i].ok, mr_ng[i].srv_rss, "failed");
		if (do_us && !mr_us[i].ok)
			fprintf(stderr, "bench_conn: ustack %ld connections: %s\n", sizes[i], mr_us[i].err);
		if (do_lx && !mr_lx[i].ok)
			fprintf(stderr, "bench_conn: Linux %ld connections: %s\n", sizes[i], mr_lx[i].err);
		add_if(&m[i][0], mr_us[i].ok, mr_us[i].total_rss, "failed");
		add_if(&m[i][1], mr_lx[i].ok, mr_lx[i].total_rss, "failed");
		add_if(&m[i][2], mr_us[i].ok, mr_us[i].total_heap, "failed");
		add_if(&m[i][3], mr_us[i].ok, mr_us[i].srv_rss, "failed");
		add_if(&m[i][4], mr_us[i].ok, mr_us[i].srv_heap, "failed");
		add_if(&m[i][5], mr_lx[i].ok, mr_lx[i].kernel_tcp_mem, "failed");
		add_if(&m[i][6], mr_us[i].ok, mr_us[i].setup_s, "failed");
		add_if(&m[i][7], mr_lx[i].ok, mr_lx[i].setup_s, "failed");
	}
	const struct bench_table t2 = {
		.title = "bench_conn: memory per idle established connection (one run)",
		.col = { "ustack", "Linux", "nginx" },
	};
	bench_table_begin(&t2);
	for (int i = 0; i < 2; i++) {
		char a[64], b[64], c[64], d[64], e[64];

		snprintf(a, sizeof(a), "%ldk: both ends, memory", sizes[i] / 1000);
		snprintf(b, sizeof(b), "%ldk: both ends, heap", sizes[i] / 1000);
		snprintf(c, sizeof(c), "%ldk: server end, RSS", sizes[i] / 1000);
		snprintf(d, sizeof(d), "%ldk: server end, heap", sizes[i] / 1000);
		snprintf(e, sizeof(e), "%ldk: time to establish", sizes[i] / 1000);
		bench_table_row(&t2, a, "B/conn", "lower", &m[i][0], &m[i][1], NULL);
		bench_table_row(&t2, b, "B/conn", "lower", &m[i][2], NULL, NULL);
		bench_table_row(&t2, c, "B/conn", "lower", &m[i][3], NULL, &ng[i]);
		bench_table_row(&t2, d, "B/conn", "lower", &m[i][4], NULL, NULL);
		bench_table_row(&t2, "  Linux: TCP buffer pages (sockstat)", "B/conn", "lower", NULL,
				&m[i][5], NULL);
		bench_table_row(&t2, e, "s", "lower", &m[i][6], &m[i][7], NULL);
	}
	bench_note("memory: ustack = RSS delta / N (/proc/self/statm); Linux = kernel Slab delta "
		   "(/proc/meminfo, machine-wide) + process RSS delta, / N");
	bench_note("heap: mallinfo2().uordblks delta / N. Server end: after the client stacks are "
		   "freed (heap minus a bare stack's own; RSS after malloc_trim(0))");
	bench_note("every end watched by an epoll set (EPOLLIN); ustack: %d client stacks stepped "
		   "by one thread; Linux: %d source addresses on lo in a private namespace",
		   N_CLIENTS, N_CLIENTS);
	bench_note("nginx %s: RSS delta of its workers (%d connections each at most, reuseport) "
		   "with N idle clients (no request sent) in a private namespace; user space "
		   "only: its kernel sockets are not in it", NGINX_BIN, NGINX_PER_WORKER);
	if (do_ng && !mr_ng[0].ok)
		bench_note("nginx: %s", mr_ng[0].err);
	if (do_lx && mr_lx[0].ok)
		bench_note("Linux detail at %ldk: Slab %.0f B/conn, process RSS %.0f B/conn; "
			   "at %ldk: Slab %.0f, RSS %.0f",
			   sizes[0] / 1000, mr_lx[0].kernel_slab, mr_lx[0].proc_rss,
			   sizes[1] / 1000, mr_lx[1].kernel_slab, mr_lx[1].proc_rss);
	bench_table_end(&t2);

	}

	/* --- 3 --- */
	if (!want_part(3))
		return 0;
	long n_idle = quick ? 1000 : 10000;
	struct bench_stat ic_us = { 0 }, ic_lx = { 0 };
	struct idle_result ir_us = { .ok = false }, ir_lx = { .ok = false };

	fprintf(stderr, "bench_conn: CPU of %ld idle connections over %.0f s...\n", n_idle,
		idle_seconds());
	if (do_us) {
		ir_us = ustack_idle(n_idle);
		if (!ir_us.ok)
			fprintf(stderr, "bench_conn: ustack idle: %s\n", ir_us.err);
	}
	if (do_lx) {
		ir_lx = linux_idle(n_idle);
		if (!ir_lx.ok)
			fprintf(stderr, "bench_conn: Linux idle: %s\n", ir_lx.err);
	}
	add_if(&ic_us, ir_us.ok, ir_us.cpu_pct, "failed");
	add_if(&ic_lx, ir_lx.ok, ir_lx.cpu_pct, "failed");
	const struct bench_table t3 = {
		.title = "bench_conn: CPU used by idle connections (one run)",
		.col = { "ustack", "Linux", "nginx" },
	};
	bench_table_begin(&t3);
	{
		char a[64];

		snprintf(a, sizeof(a), "%ldk idle, process CPU", n_idle / 1000);
		bench_table_row(&t3, a, "% of a CPU", "lower", &ic_us, &ic_lx, NULL);
	}
	bench_note("ustack: %d stacks on their runner threads (ustack_start), the application "
		   "in a kernel epoll on the sets' eventfds (1 s timeout); %.0f s of wall time, CPU "
		   "time of the process (every thread, CLOCK_PROCESS_CPUTIME_ID); %llu socket wake-ups meanwhile",
		   MAX_HOSTS, idle_seconds(), ir_us.wakeups);
	bench_note("Linux: the processes holding both ends (as many as the descriptor limit "
		   "needs), asleep in epoll_wait (1 s timeout); sum of their CPU time");
	bench_table_end(&t3);
	return 0;
}
