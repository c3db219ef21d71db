// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile client of napt's generic netlink family, driven by a seed:
 * random and malformed requests (unknown commands and attributes, wrong
 * types and lengths, truncated headers, nested junk, NLA_F_NESTED misuse,
 * odd and huge nlmsg_len, requests without NLM_F_REQUEST or NLM_F_ACK,
 * several in one datagram), valid commands with random values, and dumps
 * of the mapping and forward tables abandoned or left half-read while
 * the tables change. What must hold, whatever is sent:
 *
 * - every request that asks for an ACK gets an answer (an error, or
 *   success); only a datagram whose first nlmsg_len is shorter than a
 *   header or longer than the datagram goes unanswered, as netlink
 *   drops it whole; a barrier request after it must still be answered;
 * - a refused request changes nothing: the settings and the forwards
 *   (config get and forward dump, snapshotted before and after) are the
 *   same, for a sample of requests;
 * - an accepted change is applied whole: for a sample of accepted WAN,
 *   CONFIG_SET, FORWARD_ADD/DEL/FLUSH and RESTORE requests, the settings
 *   and forwards afterwards are exactly what the request says;
 * - a dump always ends (NLMSG_DONE), a forward dump never repeats one;
 * - without CAP_NET_ADMIN (-m nobody, -m userns, -m eperm) every command
 *   but VERSION_GET is refused with EPERM (or, where the core looks the
 *   operation up first, EOPNOTSUPP for a dump flag it does not take) and
 *   nothing changes.
 *
 * Modes (-m):
 *   root     the full fuzz, as a caller with CAP_NET_ADMIN (default)
 *   nobody   fork: the parent stays root and takes the snapshots (a
 *            socket's permission needs the caller's capability too, so
 *            an admin socket kept across setresuid() would not do); the
 *            child drops to uid 65534 with no capabilities and fuzzes
 *   userns   likewise, the child as root of a new user namespace, which
 *            does not own the network namespace
 *   eperm    already started unprivileged (setpriv, unshare -Ur): check
 *            the answers only; the caller compares the state
 *   dumper   read-only: full and abandoned dumps in a loop, until the
 *            file given with -S exists (to run beside another fuzzer)
 *
 *   napt_fuzz_genl [-k] [-m MODE] [-s SEED] [-n MESSAGES] [-f FORWARDS]
 *                  [-d DUMPS] [-p VERIFY_PCT] [-S STOPFILE] [-v]
 *
 * -k: fuzz in the current network namespace (the selftest's router).
 * Without it the program is a KTAP test of its own, as the kselftest
 * runner starts it: it makes a network namespace, loads napt, and runs a
 * shorter root fuzz there.
 *
 * Prints the seed, then counts: messages sent, answers by errno,
 * successes, requests verified. Exits 0 if nothing was violated, 1 if
 * something was (each violation is printed, the first ones in full),
 * 4 (skip) if the family is not there.
 *
 * Topology: whatever network namespace it is started in (the selftest
 * runs it in the router's namespace of lib.sh's standard topology, with
 * the WAN on wan0 and many mappings live).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/napt.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#define NOBODY		65534
#define MSG_MAX		65536
#define RCV_TIMEOUT_S	20	/* an answer later than this is no answer */
#define MAX_FWDS	70000
#define MAX_BATCH	8
#define SHOW_MAX	20	/* violations printed in full */

enum mode { M_ROOT, M_NOBODY, M_USERNS, M_EPERM, M_DUMPER };

static enum mode mode = M_ROOT;
static int verbose;
static __u16 fam_id;
static __u32 seq_next = 1;

/* ------------------------------------------------------------------ */
/* Randomness: xorshift64*, all of it from the seed. */

static __u64 rng;

static __u64 rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static __u32 below(__u32 n)
{
	return n ? (__u32)(rnd() % n) : 0;
}

static int chance(int pct)
{
	return (int)below(100) < pct;
}

/* A value for a field of @bits bits that lies in [lo, hi]: mostly in
 * range, often at or just past an end, sometimes anything.
 */
static __u32 pick(__u32 lo, __u32 hi, int bits)
{
	__u32 max = bits >= 32 ? 0xffffffffu : (1u << bits) - 1;

	switch (below(10)) {
	case 0: return lo;
	case 1: return hi;
	case 2:
		return lo ? lo - 1 : 0;
	case 3:
		return hi < max ? hi + 1 : max;
	case 4: return (__u32)rnd() & max;
	case 5: return 0;
	case 6: return max;
	default: return lo + below(hi - lo + 1 ? hi - lo + 1 : 0xffffffffu);
	}
}

/* ------------------------------------------------------------------ */
/* Counting and complaining */

static unsigned long n_sent, n_dgrams, n_ok, n_noanswer_expected, n_stray;
static unsigned long n_err[256];		/* by errno, 255: others */
static unsigned long n_verified_ok, n_verified_err, n_unchanged_checks;
static unsigned long n_dumps_full, n_dumps_cut, n_dump_entries, n_barriers;
static unsigned long n_eperm, n_violations;
static unsigned long n_einval_nomsg;		/* refusals without a message */

static void violation(const char *fmt, ...)
{
	va_list ap;

	n_violations++;
	if (n_violations > SHOW_MAX) {
		if (n_violations == SHOW_MAX + 1)
			printf("# VIOLATION: (more; only counted from here)\n");
		return;
	}
	printf("# VIOLATION: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void count_answer(int err)
{
	if (!err)
		n_ok++;
	else
		n_err[-err > 0 && -err < 255 ? -err : 255]++;
	if (err == -EPERM)
		n_eperm++;
}

/* ------------------------------------------------------------------ */
/* Sockets */

static struct mnl_socket *nl_open(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);
	struct timeval tv = { .tv_sec = RCV_TIMEOUT_S };
	int one = 1, rcvbuf = 1 << 20;

	if (!nl)
		return NULL;
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		   sizeof(rcvbuf));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

/* What came back for one request. */
struct answer {
	__u32 seq;
	int done;		/* an NLMSG_ERROR or NLMSG_DONE came */
	int err;		/* its error: 0 or -errno */
	int is_dump_done;
	char extack[160];
	unsigned int nmsgs;	/* data messages before it */
	mnl_cb_t cb;		/* for each data message */
	void *data;
};

/* The extended ACK from @off of an error or done message, if any. */
static void parse_ext_ack(const struct nlmsghdr *nlh, unsigned int off,
			  struct answer *a)
{
	const struct nlattr *at;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    mnl_nlmsg_size(off) > nlh->nlmsg_len)
		return;
	mnl_attr_for_each(at, nlh, off) {
		if (mnl_attr_get_type(at) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(at, MNL_TYPE_NUL_STRING) == 0)
			snprintf(a->extack, sizeof(a->extack), "%s",
				 mnl_attr_get_str(at));
		if (mnl_attr_get_type(at) == NLMSGERR_ATTR_MISS_TYPE &&
		    !a->extack[0])
			snprintf(a->extack, sizeof(a->extack), "missing attr");
	}
}

static void parse_error(const struct nlmsghdr *nlh, struct answer *a)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*e);

	a->done = 1;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		a->err = -EBADMSG;
		return;
	}
	a->err = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	parse_ext_ack(nlh, off, a);
}

/*
 * Read until every answer in @ans[0..n) is done (or the last one is: the
 * barrier), or nothing comes for RCV_TIMEOUT_S. Messages for other
 * sequence numbers (a dump abandoned on this socket) are skipped.
 * Returns 0, or -errno of recv (-EAGAIN: timed out).
 */
static int collect(struct mnl_socket *nl, struct answer *ans, int n,
		   int until_all)
{
	static char buf[MSG_MAX * 4];
	int i, left;

	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t len;
		int rem;

		left = 0;
		for (i = 0; i < n; i++)
			if (!ans[i].done && (until_all || i == n - 1))
				left++;
		if (!left)
			return 0;
		len = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), 0);
		if (len < 0)
			return -errno;
		nlh = (const struct nlmsghdr *)buf;
		rem = (int)len;
		for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
			struct answer *a = NULL;

			for (i = 0; i < n; i++)
				if (ans[i].seq == nlh->nlmsg_seq && !ans[i].done)
					a = &ans[i];
			if (!a) {
				n_stray++;
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				parse_error(nlh, a);
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				a->done = 1;
				a->is_dump_done = 1;
				if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(int))) {
					a->err = *(int *)mnl_nlmsg_get_payload(nlh);
					/* A failed dump says why after it. */
					parse_ext_ack(nlh, sizeof(int), a);
				}
			} else {
				a->nmsgs++;
				if (a->cb)
					a->cb(nlh, a->data);
			}
		}
	}
}

static struct nlmsghdr *put_hdr(char *buf, __u16 type, __u8 cmd,
				__u16 flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq_next++;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 1 : NAPT_GENL_VERSION;
	return nlh;
}

/* A well-formed request, answered: 0 or -errno (-EAGAIN: no answer). */
static int request(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *data, struct answer *out)
{
	struct answer a = { .seq = nlh->nlmsg_seq, .cb = cb, .data = data };
	int err;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	err = collect(nl, &a, 1, 1);
	if (out)
		*out = a;
	if (err)
		return err == -EAGAIN ? -ETIMEDOUT : err;
	return a.err;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			*(__u16 *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int family_get(struct mnl_socket *nl)
{
	char buf[256];
	struct nlmsghdr *nlh;

	nlh = put_hdr(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
		      NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NAPT_GENL_NAME);
	return request(nl, nlh, family_cb, &fam_id, NULL);
}

/* ------------------------------------------------------------------ */
/* The state napt shows: settings and forwards. */

struct cfg {
	__u16 pmin, pmax;
	__u32 to[5];
	__u32 maxm, maxh;
	__u8 filt;
	int wan_on, fixed, has_addr;
	char ifname[IFNAMSIZ];
	__u32 addr;
};

struct fwd {
	__u8 protos;		/* 1 TCP, 2 UDP, 3 both */
	__u16 emin, emax, imin, imax;
	__u32 iaddr, from;
	__u8 plen;
	int has_from;
	char descr[NAPT_DESCR_MAX];
};

struct snap {
	struct cfg cfg;
	struct fwd *f;
	int nf;
	int overflow;
	int dup;		/* a forward shown twice */
	long nmappings;		/* -1: not compared */
};

static const __u16 to_attr[5] = {
	NAPT_A_TIMEOUT_UDP, NAPT_A_TIMEOUT_TCP_EST, NAPT_A_TIMEOUT_TCP_TRANS,
	NAPT_A_TIMEOUT_ICMP, NAPT_A_TIMEOUT_OTHER,
};

static void cfg_defaults(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->pmin = NAPT_DEFAULT_PORT_MIN;
	c->pmax = NAPT_DEFAULT_PORT_MAX;
	c->to[0] = NAPT_DEFAULT_TIMEOUT_UDP;
	c->to[1] = NAPT_DEFAULT_TIMEOUT_TCP_EST;
	c->to[2] = NAPT_DEFAULT_TIMEOUT_TCP_TRANS;
	c->to[3] = NAPT_DEFAULT_TIMEOUT_ICMP;
	c->to[4] = NAPT_DEFAULT_TIMEOUT_OTHER;
	c->maxm = NAPT_DEFAULT_MAX_MAPPINGS;
	c->maxh = NAPT_DEFAULT_MAX_PER_HOST;
	c->filt = NAPT_FILTER_ADF;
}

/* Attributes by type, the last of a type winning (as the kernel parses). */
static void attr_table(const struct nlattr *first, int len,
		       const struct nlattr **tb, int max)
{
	const struct nlattr *a = first;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (len >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       a->nla_len <= len) {
		int t = a->nla_type & NLA_TYPE_MASK;

		if (t <= max)
			tb[t] = a;
		len -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
}

static void nested_table(const struct nlattr *nest, const struct nlattr **tb,
			 int max)
{
	attr_table(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest),
		   tb, max);
}

static const struct nlattr *msg_attrs(const struct nlmsghdr *nlh, int *len)
{
	*len = (int)nlh->nlmsg_len - (int)MNL_NLMSG_HDRLEN - GENL_HDRLEN;
	return (const struct nlattr *)((const char *)nlh + MNL_NLMSG_HDRLEN +
				       GENL_HDRLEN);
}

static __u16 get16(const struct nlattr *a)
{
	__u16 v = 0;

	memcpy(&v, mnl_attr_get_payload(a), 2);
	return v;
}

static __u32 get32(const struct nlattr *a)
{
	__u32 v = 0;

	memcpy(&v, mnl_attr_get_payload(a), 4);
	return v;
}

static __u8 get8(const struct nlattr *a)
{
	return *(const __u8 *)mnl_attr_get_payload(a);
}

static void get_str(const struct nlattr *a, char *dst, size_t size)
{
	size_t n = mnl_attr_get_payload_len(a);

	if (n >= size)
		n = size - 1;
	memcpy(dst, mnl_attr_get_payload(a), n);
	dst[n] = '\0';
	dst[strnlen(dst, n)] = '\0';
}

/* The settings of @tb into @c (what CONFIG_SET and RESTORE take). */
static void cfg_apply_settings(struct cfg *c, const struct nlattr **tb)
{
	int i;

	if (tb[NAPT_A_PORT_MIN])
		c->pmin = get16(tb[NAPT_A_PORT_MIN]);
	if (tb[NAPT_A_PORT_MAX])
		c->pmax = get16(tb[NAPT_A_PORT_MAX]);
	for (i = 0; i < 5; i++)
		if (tb[to_attr[i]])
			c->to[i] = get32(tb[to_attr[i]]);
	if (tb[NAPT_A_MAX_MAPPINGS])
		c->maxm = get32(tb[NAPT_A_MAX_MAPPINGS]);
	if (tb[NAPT_A_MAX_PER_HOST])
		c->maxh = get32(tb[NAPT_A_MAX_PER_HOST]);
	if (tb[NAPT_A_FILTERING])
		c->filt = get8(tb[NAPT_A_FILTERING]);
}

static int cfg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NAPT_A_MAX + 1];
	struct cfg *c = data;
	const struct nlattr *a;
	int len;

	a = msg_attrs(nlh, &len);
	attr_table(a, len, tb, NAPT_A_MAX);
	memset(c, 0, sizeof(*c));
	cfg_apply_settings(c, tb);
	if (tb[NAPT_A_WAN_IFNAME]) {
		c->wan_on = 1;
		get_str(tb[NAPT_A_WAN_IFNAME], c->ifname, sizeof(c->ifname));
	}
	if (tb[NAPT_A_WAN_ADDR]) {
		c->has_addr = 1;
		c->addr = get32(tb[NAPT_A_WAN_ADDR]);
	}
	c->fixed = !!tb[NAPT_A_WAN_ADDR_FIXED];
	return MNL_CB_OK;
}

/* A forward nest as the kernel would read it, defaults filled in. */
static void fwd_from_nest(const struct nlattr *nest, struct fwd *f, int reply)
{
	const struct nlattr *tb[NAPT_FWD_A_MAX + 1];

	nested_table(nest, tb, NAPT_FWD_A_MAX);
	memset(f, 0, sizeof(*f));
	f->protos = 3;
	if (tb[NAPT_FWD_A_PROTO])
		f->protos = get8(tb[NAPT_FWD_A_PROTO]) == IPPROTO_TCP ? 1 :
			    get8(tb[NAPT_FWD_A_PROTO]) == IPPROTO_UDP ? 2 : 0;
	f->emin = tb[NAPT_FWD_A_EXT_PORT_MIN] ?
		  get16(tb[NAPT_FWD_A_EXT_PORT_MIN]) : 0;
	f->emax = tb[NAPT_FWD_A_EXT_PORT_MAX] ?
		  get16(tb[NAPT_FWD_A_EXT_PORT_MAX]) : f->emin;
	f->iaddr = tb[NAPT_FWD_A_INT_ADDR] ? get32(tb[NAPT_FWD_A_INT_ADDR]) : 0;
	f->imin = tb[NAPT_FWD_A_INT_PORT_MIN] ?
		  get16(tb[NAPT_FWD_A_INT_PORT_MIN]) : f->emin;
	f->imax = tb[NAPT_FWD_A_INT_PORT_MAX] ?
		  get16(tb[NAPT_FWD_A_INT_PORT_MAX]) :
		  (__u16)(f->imin + (f->emax - f->emin));
	if (tb[NAPT_FWD_A_FROM_ADDR] && tb[NAPT_FWD_A_FROM_PLEN]) {
		f->from = get32(tb[NAPT_FWD_A_FROM_ADDR]);
		f->plen = get8(tb[NAPT_FWD_A_FROM_PLEN]);
		/* "from 0.0.0.0/0" admits anyone: the same as none. */
		f->has_from = f->plen != 0;
		if (!f->has_from)
			f->from = 0;
	}
	if (tb[NAPT_FWD_A_DESCR])
		get_str(tb[NAPT_FWD_A_DESCR], f->descr, sizeof(f->descr));
	(void)reply;
}

static int fwd_cmp(const void *x, const void *y)
{
	const struct fwd *a = x, *b = y;

	if (a->emin != b->emin)
		return a->emin < b->emin ? -1 : 1;
	return (int)a->protos - (int)b->protos;
}

static int fwd_eq(const struct fwd *a, const struct fwd *b)
{
	return a->protos == b->protos && a->emin == b->emin &&
	       a->emax == b->emax && a->imin == b->imin &&
	       a->imax == b->imax && a->iaddr == b->iaddr &&
	       a->has_from == b->has_from && a->from == b->from &&
	       (!a->has_from || a->plen == b->plen) &&
	       !strcmp(a->descr, b->descr);
}

static int fwd_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NAPT_A_MAX + 1];
	struct snap *s = data;
	const struct nlattr *a;
	int len;

	a = msg_attrs(nlh, &len);
	attr_table(a, len, tb, NAPT_A_MAX);
	if (!tb[NAPT_A_FORWARD])
		return MNL_CB_OK;
	if (s->nf >= MAX_FWDS) {
		s->overflow = 1;
		return MNL_CB_OK;
	}
	fwd_from_nest(tb[NAPT_A_FORWARD], &s->f[s->nf], 1);
	if (s->nf && fwd_cmp(&s->f[s->nf - 1], &s->f[s->nf]) >= 0)
		s->dup = 1;	/* out of order, or twice */
	s->nf++;
	n_dump_entries++;
	return MNL_CB_OK;
}

static __u32 stat_mappings;

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NAPT_A_MAX + 1];
	const struct nlattr *st[NAPT_STATS_A_MAX + 1];
	const struct nlattr *a;
	int len;

	a = msg_attrs(nlh, &len);
	attr_table(a, len, tb, NAPT_A_MAX);
	if (!tb[NAPT_A_STATS])
		return MNL_CB_OK;
	nested_table(tb[NAPT_A_STATS], st, NAPT_STATS_A_MAX);
	if (st[NAPT_STATS_A_MAPPINGS])
		*(__u32 *)data = get32(st[NAPT_STATS_A_MAPPINGS]);
	return MNL_CB_OK;
}

static struct mnl_socket *adm;	/* with CAP_NET_ADMIN, for snapshots */
static int rpc_w, rpc_r;

/* The state now, through the admin socket. 0, or -errno. */
static int snapshot(struct snap *s, int with_mappings)
{
	char buf[256];
	struct nlmsghdr *nlh;
	int err;

	s->nf = 0;
	s->overflow = 0;
	s->dup = 0;
	s->nmappings = -1;
	nlh = put_hdr(buf, fam_id, NAPT_CMD_CONFIG_GET,
		      NLM_F_REQUEST | NLM_F_ACK);
	err = request(adm, nlh, cfg_cb, &s->cfg, NULL);
	if (err)
		return err;
	nlh = put_hdr(buf, fam_id, NAPT_CMD_FORWARD_GET,
		      NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
	err = request(adm, nlh, fwd_dump_cb, s, NULL);
	if (err)
		return err;
	qsort(s->f, s->nf, sizeof(*s->f), fwd_cmp);
	if (with_mappings) {
		nlh = put_hdr(buf, fam_id, NAPT_CMD_STATS_GET,
			      NLM_F_REQUEST | NLM_F_ACK);
		err = request(adm, nlh, stats_cb, &stat_mappings, NULL);
		if (err)
			return err;
		s->nmappings = stat_mappings;
	}
	return 0;
}

static void snap_init(struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->f = calloc(MAX_FWDS, sizeof(*s->f));
	if (!s->f) {
		perror("calloc");
		exit(KSFT_FAIL);
	}
}

static void snap_copy(struct snap *dst, const struct snap *src)
{
	dst->cfg = src->cfg;
	dst->nf = src->nf;
	dst->nmappings = src->nmappings;
	memcpy(dst->f, src->f, sizeof(*src->f) * src->nf);
}

static void fwd_show(const char *tag, const struct fwd *f)
{
	char a[INET_ADDRSTRLEN], fr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &f->iaddr, a, sizeof(a));
	inet_ntop(AF_INET, &f->from, fr, sizeof(fr));
	printf("#   %s: p%u %u-%u -> %s:%u-%u from %s/%u '%s'\n", tag,
	       f->protos, f->emin, f->emax, a, f->imin, f->imax,
	       f->has_from ? fr : "-", f->plen, f->descr);
}

static void cfg_show(const char *tag, const struct cfg *c)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &c->addr, a, sizeof(a));
	printf("#   %s: ports %u-%u to %u/%u/%u/%u/%u max %u/%u filt %u wan %s%s%s addr %s%s\n",
	       tag, c->pmin, c->pmax, c->to[0], c->to[1], c->to[2], c->to[3],
	       c->to[4], c->maxm, c->maxh, c->filt, c->wan_on ? "on " : "off",
	       c->wan_on ? c->ifname : "", "", c->has_addr ? a : "-",
	       c->fixed ? " fixed" : "");
}

/* Same settings? The WAN address is compared only when fixed (or @all). */
static int cfg_eq(const struct cfg *a, const struct cfg *b, int all)
{
	if (a->pmin != b->pmin || a->pmax != b->pmax ||
	    memcmp(a->to, b->to, sizeof(a->to)) || a->maxm != b->maxm ||
	    a->maxh != b->maxh || a->filt != b->filt ||
	    a->wan_on != b->wan_on)
		return 0;
	if (!a->wan_on)
		return 1;
	if (strcmp(a->ifname, b->ifname) || a->fixed != b->fixed)
		return 0;
	if (a->fixed || all)
		return a->has_addr == b->has_addr && a->addr == b->addr;
	return 1;
}

/* @have equals @want? Prints the difference under @what if not. */
static int snap_eq(const struct snap *want, const struct snap *have,
		   int all, const char *what)
{
	int i, ok = 1, shown = 0;

	if (have->overflow || have->dup) {
		printf("#   %s: forward dump %s\n", what,
		       have->dup ? "repeated or misordered a forward" :
				   "too long");
		ok = 0;
	}
	if (!cfg_eq(&want->cfg, &have->cfg, all)) {
		cfg_show("settings expected", &want->cfg);
		cfg_show("settings seen    ", &have->cfg);
		ok = 0;
	}
	if (want->nmappings >= 0 && have->nmappings >= 0 &&
	    want->nmappings != have->nmappings) {
		printf("#   mappings: %ld before, %ld after\n", want->nmappings,
		       have->nmappings);
		ok = 0;
	}
	if (want->nf != have->nf) {
		printf("#   forwards: %d expected, %d seen\n", want->nf, have->nf);
		ok = 0;
	}
	for (i = 0; i < want->nf && i < have->nf && shown < 4; i++) {
		if (fwd_eq(&want->f[i], &have->f[i]))
			continue;
		fwd_show("expected", &want->f[i]);
		fwd_show("seen    ", &have->f[i]);
		shown++;
		ok = 0;
	}
	if (!ok)
		printf("#   (%s)\n", what);
	return ok;
}

/* ------------------------------------------------------------------ */
/* Building requests */

struct msg {
	char buf[MSG_MAX];
	struct nlmsghdr *nlh;
	__u8 cmd;
	int known;		/* a real command, with an intact genl header */
	int flags_ok;		/* NLM_F_DUMP set exactly when it is a dump op */
	int modeled;		/* the model below may judge the outcome */
	int mutated;		/* something deliberately wrong was put in */
};

static const char *const ifnames[] = {
	"wan0", "lo", "lan0", "nosuchdev0", "", "wan0\1", "eth0",
	"a-very-long-if-name-past-ifnamsiz",
};

static void put_ifname(struct nlmsghdr *nlh)
{
	const char *n = ifnames[below(sizeof(ifnames) / sizeof(*ifnames))];

	if (chance(15)) {	/* not NUL-terminated */
		mnl_attr_put(nlh, NAPT_A_WAN_IFNAME, strlen(n), n);
		return;
	}
	if (chance(5)) {	/* exactly IFNAMSIZ bytes with the NUL */
		char b[IFNAMSIZ];

		memset(b, 'x', sizeof(b));
		b[IFNAMSIZ - 1] = '\0';
		mnl_attr_put(nlh, NAPT_A_WAN_IFNAME, sizeof(b), b);
		return;
	}
	mnl_attr_put_strz(nlh, NAPT_A_WAN_IFNAME, n);
}

static __u32 rand_addr(void)
{
	static const char *const a[] = {
		"192.168.1.2", "192.168.1.3", "192.168.1.10", "200.200.200.200",
		"0.0.0.0", "255.255.255.255", "224.0.0.1", "127.0.0.1",
		"10.0.0.1", "192.168.1.255",
	};
	struct in_addr in;

	if (chance(20))
		return (__u32)rnd();
	inet_pton(AF_INET, a[below(sizeof(a) / sizeof(*a))], &in);
	return in.s_addr;
}

static void put_settings(struct nlmsghdr *nlh, int max_attrs)
{
	int n = 1 + below(max_attrs), i;

	for (i = 0; i < n; i++) {
		switch (below(7)) {
		case 0: {
			__u16 lo = below(3) ? 1024 + below(20000) : pick(1, 65535, 16);
			__u16 hi = below(3) ? lo + below(2000) : pick(lo, 65535, 16);

			if (!chance(10))
				mnl_attr_put_u16(nlh, NAPT_A_PORT_MIN, lo);
			if (!chance(10))
				mnl_attr_put_u16(nlh, NAPT_A_PORT_MAX, hi);
			break;
		}
		case 1: case 2:
			mnl_attr_put_u32(nlh, to_attr[below(5)],
					 chance(70) ? 1 + below(3600) :
					 pick(1, NAPT_TIMEOUT_MAX, 32));
			break;
		case 3:
			mnl_attr_put_u32(nlh, NAPT_A_MAX_MAPPINGS,
					 chance(70) ? 1000 + below(100000) :
					 pick(1, NAPT_MAX_MAPPINGS_LIMIT, 32));
			break;
		case 4:
			mnl_attr_put_u32(nlh, NAPT_A_MAX_PER_HOST,
					 chance(70) ? 1 + below(10000) :
					 pick(1, NAPT_MAX_MAPPINGS_LIMIT, 32));
			break;
		case 5:
			mnl_attr_put_u8(nlh, NAPT_A_FILTERING,
					pick(0, NAPT_FILTER_MAX, 8));
			break;
		case 6:
			break;
		}
	}
}

/* A forward nest; @del: what FORWARD_DEL takes. */
static void put_forward(struct nlmsghdr *nlh, int del, __u16 port_hint)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NAPT_A_FORWARD);
	__u16 emin = chance(70) ? port_hint : pick(1, 65535, 16);
	__u16 len = chance(70) ? 0 : chance(80) ? below(16) : pick(0, 65535, 16);

	if (chance(60))
		mnl_attr_put_u8(nlh, NAPT_FWD_A_PROTO,
				chance(90) ? (chance(50) ? IPPROTO_TCP :
					      IPPROTO_UDP) : (__u8)rnd());
	if (!chance(5))
		mnl_attr_put_u16(nlh, NAPT_FWD_A_EXT_PORT_MIN, emin);
	if (del) {
		mnl_attr_nest_end(nlh, nest);
		return;
	}
	if (len || chance(10))
		mnl_attr_put_u16(nlh, NAPT_FWD_A_EXT_PORT_MAX,
				 chance(90) ? (__u16)(emin + len) : pick(1, 65535, 16));
	if (!chance(5))
		mnl_attr_put_u32(nlh, NAPT_FWD_A_INT_ADDR, rand_addr());
	if (chance(50)) {
		__u16 imin = chance(70) ? 1 + below(60000) : pick(1, 65535, 16);

		mnl_attr_put_u16(nlh, NAPT_FWD_A_INT_PORT_MIN, imin);
		if (chance(50))
			mnl_attr_put_u16(nlh, NAPT_FWD_A_INT_PORT_MAX,
					 chance(50) ? imin : chance(80) ?
					 (__u16)(imin + len) : pick(1, 65535, 16));
	}
	if (chance(25)) {
		__u8 plen = chance(90) ? below(33) : (__u8)rnd();
		__u32 a = rand_addr();

		if (chance(80) && plen <= 32)
			a &= plen ? htonl(~0u << (32 - plen)) : 0;
		if (!chance(10))
			mnl_attr_put_u32(nlh, NAPT_FWD_A_FROM_ADDR, a);
		if (!chance(10))
			mnl_attr_put_u8(nlh, NAPT_FWD_A_FROM_PLEN, plen);
	}
	if (chance(30)) {
		char d[NAPT_DESCR_MAX + 8];
		int n = chance(80) ? below(20) : below(sizeof(d));
		int i;

		for (i = 0; i < n; i++)
			d[i] = 'a' + below(26);
		d[n] = '\0';
		mnl_attr_put(nlh, NAPT_FWD_A_DESCR, n + (chance(90) ? 1 : 0), d);
	}
	mnl_attr_nest_end(nlh, nest);
}

/* Ports forwards are put on: a small window, so that deletes and
 * overlaps hit.
 */
static __u16 fwd_port(void)
{
	return 33000 + below(64);
}

/* Junk of every kind into a message under construction. */
static void mutate(struct msg *m)
{
	struct nlmsghdr *nlh = m->nlh;
	char junk[64];
	unsigned int i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)rnd();
	m->mutated = 1;
	switch (below(12)) {
	case 0:		/* an unknown attribute type */
		mnl_attr_put_u32(nlh, chance(50) ? NAPT_A_MAX + 1 + below(20) :
				 below(0x3fff), (__u32)rnd());
		break;
	case 1:		/* type 0 */
		mnl_attr_put_u32(nlh, NAPT_A_UNSPEC, 0);
		break;
	case 2:		/* a known attribute of the wrong length */
		mnl_attr_put(nlh, 1 + below(NAPT_A_MAX), below(12), junk);
		break;
	case 3:		/* an attribute the command does not take */
		mnl_attr_put_u32(nlh, below(2) ? NAPT_A_STATS : NAPT_A_WAN_IFINDEX, 1);
		break;
	case 4: {	/* NLA_F_NESTED on a plain attribute */
		struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

		mnl_attr_put_u32(nlh, NAPT_A_TIMEOUT_UDP, 60);
		a->nla_type |= NLA_F_NESTED;
		break;
	}
	case 5: {	/* a nest without NLA_F_NESTED */
		struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

		put_forward(nlh, 0, fwd_port());
		a->nla_type &= ~NLA_F_NESTED;
		break;
	}
	case 6: {	/* junk inside a nest */
		struct nlattr *n = mnl_attr_nest_start(nlh,
				chance(50) ? NAPT_A_FORWARD : NAPT_A_MAPPING);

		mnl_attr_put(nlh, below(20), below(sizeof(junk)), junk);
		if (chance(50)) {	/* an inner length past the nest */
			struct nlattr *in = mnl_nlmsg_get_payload_tail(nlh);

			mnl_attr_put_u32(nlh, NAPT_FWD_A_INT_ADDR, 1);
			in->nla_len += 4 + below(200);
		}
		mnl_attr_nest_end(nlh, n);
		break;
	}
	case 7: {	/* nests within nests */
		struct nlattr *n1 = mnl_attr_nest_start(nlh, NAPT_A_FORWARD);
		struct nlattr *n2 = mnl_attr_nest_start(nlh, 1 + below(NAPT_FWD_A_MAX));
		struct nlattr *n3 = mnl_attr_nest_start(nlh, below(5));

		mnl_attr_put(nlh, below(8), below(16), junk);
		mnl_attr_nest_end(nlh, n3);
		mnl_attr_nest_end(nlh, n2);
		mnl_attr_nest_end(nlh, n1);
		break;
	}
	case 8: {	/* an attribute longer than what is left */
		struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

		mnl_attr_put_u32(nlh, NAPT_A_MAX_MAPPINGS, 100);
		a->nla_len = chance(50) ? 0xffff : a->nla_len + 4 + below(64);
		break;
	}
	case 9:		/* an attribute shorter than its header */
		mnl_attr_put_u32(nlh, NAPT_A_MAX_PER_HOST, 100);
		((struct nlattr *)((char *)nlh + nlh->nlmsg_len - 8))->nla_len =
			below(4);
		break;
	case 10:	/* trailing bytes that are no attribute */
		memcpy(mnl_nlmsg_get_payload_tail(nlh), junk, 4);
		nlh->nlmsg_len += 1 + below(3);
		break;
	case 11:	/* NLA_F_NET_BYTEORDER on a setting */
		mnl_attr_put_u32(nlh, NAPT_A_TIMEOUT_ICMP | NLA_F_NET_BYTEORDER,
				 htonl(30));
		m->mutated = 0;	/* legal: the kernel masks the flag */
		break;
	}
}

static int is_dump_cmd(__u8 cmd)
{
	return cmd == NAPT_CMD_MAPPING_GET || cmd == NAPT_CMD_FORWARD_GET;
}

/* A request for a real command, mostly right, sometimes mutated. */
static void build_command(struct msg *m, __u8 cmd, int mutate_pct)
{
	__u16 flags = NLM_F_REQUEST | NLM_F_ACK;
	struct nlmsghdr *nlh;
	int i, n;

	if (is_dump_cmd(cmd) ? !chance(5) : chance(3))
		flags |= NLM_F_DUMP;
	m->flags_ok = !!(flags & NLM_F_DUMP) == is_dump_cmd(cmd);
	nlh = put_hdr(m->buf, fam_id, cmd, flags);
	m->nlh = nlh;
	m->cmd = cmd;
	m->known = 1;
	m->modeled = 1;
	m->mutated = 0;
	switch (cmd) {
	case NAPT_CMD_WAN_SET:
		if (!chance(5))
			put_ifname(nlh);
		if (chance(40))
			mnl_attr_put_u32(nlh, NAPT_A_WAN_ADDR, rand_addr());
		break;
	case NAPT_CMD_CONFIG_SET:
		put_settings(nlh, 4);
		break;
	case NAPT_CMD_MAPPING_GET:
		if (chance(50)) {
			struct nlattr *nest = mnl_attr_nest_start(nlh, NAPT_A_MAPPING);

			if (chance(50))
				mnl_attr_put_u8(nlh, NAPT_MAP_A_PROTO,
						chance(80) ? IPPROTO_UDP : (__u8)rnd());
			if (chance(50))
				mnl_attr_put_u32(nlh, NAPT_MAP_A_INT_ADDR, rand_addr());
			if (chance(30))
				mnl_attr_put_u16(nlh, NAPT_MAP_A_INT_PORT,
						 pick(1, 65535, 16));
			mnl_attr_nest_end(nlh, nest);
		}
		break;
	case NAPT_CMD_FORWARD_ADD:
		n = chance(95) ? 1 : 2;
		for (i = 0; i < n; i++)
			put_forward(nlh, 0, fwd_port());
		break;
	case NAPT_CMD_FORWARD_DEL:
		put_forward(nlh, 1, fwd_port());
		break;
	case NAPT_CMD_RESTORE:
		if (chance(70))
			put_ifname(nlh);
		if (chance(20))
			mnl_attr_put_u32(nlh, NAPT_A_WAN_ADDR, rand_addr());
		if (chance(60))
			put_settings(nlh, 3);
		n = chance(90) ? below(6) : below(200);
		for (i = 0; i < n; i++)
			put_forward(nlh, 0, chance(50) ? fwd_port() :
				    (__u16)(34000 + i * 3));
		break;
	default:
		break;
	}
	if (chance(mutate_pct)) {
		n = 1 + (chance(20) ? below(3) : 0);
		for (i = 0; i < n; i++)
			mutate(m);
	}
}

/* ------------------------------------------------------------------ */
/* The model: what an accepted request leaves. */

/* @before changed by the request in @m, as the kernel should. Returns
 * 0 when the outcome cannot be predicted (then only "an answer came" and
 * "refused: unchanged" are checked).
 */
static int expect_after(const struct msg *m, const struct snap *before,
			struct snap *want)
{
	const struct nlattr *tb[NAPT_A_MAX + 1];
	const struct nlattr *a;
	int len, i, j;

	snap_copy(want, before);
	if (!(m->nlh->nlmsg_flags & NLM_F_REQUEST))
		return 1;	/* not a request: not done */
	a = msg_attrs(m->nlh, &len);
	attr_table(a, len, tb, NAPT_A_MAX);
	switch (m->cmd) {
	case NAPT_CMD_VERSION_GET:
	case NAPT_CMD_CONFIG_GET:
	case NAPT_CMD_MAPPING_GET:
	case NAPT_CMD_FORWARD_GET:
	case NAPT_CMD_STATS_GET:
	case NAPT_CMD_MAPPING_FLUSH:
		return 1;
	case NAPT_CMD_WAN_SET:
		if (!tb[NAPT_A_WAN_IFNAME])
			return 0;
		want->cfg.wan_on = 1;
		get_str(tb[NAPT_A_WAN_IFNAME], want->cfg.ifname,
			sizeof(want->cfg.ifname));
		want->cfg.fixed = !!tb[NAPT_A_WAN_ADDR];
		if (want->cfg.fixed) {
			want->cfg.has_addr = 1;
			want->cfg.addr = get32(tb[NAPT_A_WAN_ADDR]);
		}
		return 1;
	case NAPT_CMD_WAN_DEL:
		want->cfg.wan_on = 0;
		return 1;
	case NAPT_CMD_CONFIG_SET:
		cfg_apply_settings(&want->cfg, tb);
		return 1;
	case NAPT_CMD_FORWARD_ADD:
		if (!tb[NAPT_A_FORWARD] || want->nf >= MAX_FWDS)
			return 0;
		fwd_from_nest(tb[NAPT_A_FORWARD], &want->f[want->nf++], 0);
		qsort(want->f, want->nf, sizeof(*want->f), fwd_cmp);
		return 1;
	case NAPT_CMD_FORWARD_DEL: {
		struct fwd d;

		if (!tb[NAPT_A_FORWARD])
			return 0;
		fwd_from_nest(tb[NAPT_A_FORWARD], &d, 0);
		for (i = j = 0; i < want->nf; i++) {
			if (want->f[i].emin == d.emin)
				want->f[i].protos &= ~d.protos;
			if (want->f[i].protos)
				want->f[j++] = want->f[i];
		}
		want->nf = j;
		return 1;
	}
	case NAPT_CMD_FORWARD_FLUSH:
		want->nf = 0;
		return 1;
	case NAPT_CMD_RESTORE: {
		const struct nlattr *x;

		cfg_defaults(&want->cfg);
		cfg_apply_settings(&want->cfg, tb);
		if (tb[NAPT_A_WAN_IFNAME]) {
			want->cfg.wan_on = 1;
			get_str(tb[NAPT_A_WAN_IFNAME], want->cfg.ifname,
				sizeof(want->cfg.ifname));
			want->cfg.fixed = !!tb[NAPT_A_WAN_ADDR];
			if (want->cfg.fixed) {
				want->cfg.has_addr = 1;
				want->cfg.addr = get32(tb[NAPT_A_WAN_ADDR]);
			}
		}
		want->nf = 0;
		mnl_attr_for_each(x, m->nlh, GENL_HDRLEN)
			if (mnl_attr_get_type(x) == NAPT_A_FORWARD &&
			    want->nf < MAX_FWDS)
				fwd_from_nest(x, &want->f[want->nf++], 0);
		qsort(want->f, want->nf, sizeof(*want->f), fwd_cmp);
		return 1;
	}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Judging answers */

/*
 * Refused by the genetlink core before it looks at the command (and so
 * before the permission check): reserved bits set in the genetlink
 * header, or nlmsg_flags beyond REQUEST, ACK, ECHO and DUMP (napt's
 * family validates every command's header: no resv_start_op).
 */
static int core_refuses(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	__u16 flags = nlh->nlmsg_flags;

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN && g->reserved)
		return 1;
	if ((flags & NLM_F_DUMP) == NLM_F_DUMP)
		flags &= ~NLM_F_DUMP;
	return !!(flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO));
}

/* What an unprivileged caller must be told for @m (which got @err). */
static void judge_unprivileged(const struct msg *m, int err)
{
	if (!(m->nlh->nlmsg_flags & NLM_F_REQUEST) ||
	    m->nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return;		/* not processed: an ACK of 0 is right */
	if (!m->known)
		return;		/* an unknown command or cut header: any error */
	if (m->cmd == NAPT_CMD_VERSION_GET)
		return;
	if (err == -EPERM)
		return;
	if (err == -EINVAL && core_refuses(m->nlh))
		return;
	if (!m->flags_ok && err == -EOPNOTSUPP)
		return;
	violation("unprivileged: command %u (flags 0x%x, %u bytes) answered %d (%s), not EPERM",
		  m->cmd, m->nlh->nlmsg_flags, m->nlh->nlmsg_len, err,
		  err ? strerror(-err) : "success");
}

/* ------------------------------------------------------------------ */
/* The fuzz itself */

static struct mnl_socket *nl;	/* the fuzzing socket */
static struct snap s_base, s_before, s_after, s_want;
static int verify_pct = 30;	/* requests judged against snapshots */

static int send_dgram(struct mnl_socket *sk, const void *buf, size_t len)
{
	n_dgrams++;
	if (mnl_socket_sendto(sk, buf, len) < 0)
		return -errno;
	return 0;
}

/* A barrier: VERSION_GET with an ACK, which must be answered. */
static int barrier(struct mnl_socket *sk, struct answer *prior, int nprior)
{
	struct answer ans[MAX_BATCH + 1];
	char buf[64];
	struct nlmsghdr *nlh;
	int err;

	memcpy(ans, prior, sizeof(*prior) * nprior);
	nlh = put_hdr(buf, fam_id, NAPT_CMD_VERSION_GET,
		      NLM_F_REQUEST | NLM_F_ACK);
	memset(&ans[nprior], 0, sizeof(ans[nprior]));
	ans[nprior].seq = nlh->nlmsg_seq;
	n_barriers++;
	n_sent++;
	err = send_dgram(sk, nlh, nlh->nlmsg_len);
	if (!err)
		err = collect(sk, ans, nprior + 1, 0);
	if (err || ans[nprior].err) {
		violation("sync VERSION_GET not answered: %s",
			  strerror(err ? -err : -ans[nprior].err));
		return -1;
	}
	memcpy(prior, ans, sizeof(*prior) * nprior);
	return 0;
}

static int snapshots_on(void)
{
	return (adm || rpc_w >= 0) && mode != M_EPERM;
}

/*
 * Snapshots for an unprivileged child, taken by its root parent: the
 * child writes 'b' (before), 'a' (after: compare with before) or 'z'
 * (the end: compare with the start) and reads one byte back: '0' same
 * (or taken), '1' changed, 'e' failed.
 */
static int rpc(char op)
{
	char c;

	if (write(rpc_w, &op, 1) != 1 || read(rpc_r, &c, 1) != 1)
		return -1;
	return c == '0' ? 0 : c == '1' ? 1 : -1;
}

static int snap_server(int rfd, int wfd)
{
	unsigned long bad = 0;
	char op, c;

	while (read(rfd, &op, 1) == 1) {
		switch (op) {
		case 'b':
			c = snapshot(&s_before, 1) ? 'e' : '0';
			break;
		case 'a':
			c = snapshot(&s_after, 1) ? 'e' :
			    snap_eq(&s_before, &s_after, 1,
				    "state after an unprivileged request") ? '0' : '1';
			break;
		case 'z':
			c = snapshot(&s_after, 1) ? 'e' :
			    snap_eq(&s_base, &s_after, 1,
				    "state after the unprivileged run") ? '0' : '1';
			break;
		default:
			c = 'e';
		}
		if (c != '0')
			bad++;
		if (write(wfd, &c, 1) != 1)
			break;
	}
	return bad ? -1 : 0;
}

/* Send one built request, check its answer and, if sampled, the state. */
static void fuzz_one(struct msg *m)
{
	int sample = snapshots_on() && chance(verify_pct);
	struct answer a;
	int err, predicted;

	if (sample && (rpc_w >= 0 ? rpc('b') : snapshot(&s_before, mode != M_ROOT))) {
		violation("snapshot before a request failed");
		return;
	}
	n_sent++;
	memset(&a, 0, sizeof(a));
	a.seq = m->nlh->nlmsg_seq;
	err = send_dgram(nl, m->nlh, m->nlh->nlmsg_len);
	if (err) {
		violation("send of %u bytes: %s", m->nlh->nlmsg_len, strerror(-err));
		return;
	}
	err = collect(nl, &a, 1, 1);
	if (err) {
		violation("no answer to command %u (flags 0x%x, %u bytes%s): %s",
			  m->cmd, m->nlh->nlmsg_flags, m->nlh->nlmsg_len,
			  m->mutated ? ", mutated" : "", strerror(-err));
		return;
	}
	count_answer(a.err);
	if (verbose)
		printf("# cmd %u flags 0x%x len %u%s -> %d %s\n", m->cmd,
		       m->nlh->nlmsg_flags, m->nlh->nlmsg_len,
		       m->mutated ? " mutated" : "", a.err, a.extack);
	if (a.err == -EINVAL && m->known && m->flags_ok && !a.extack[0] &&
	    !core_refuses(m->nlh) && ++n_einval_nomsg <= 5) {
		/* CONTRIBUTING: an extack message for every refusal. */
		printf("# note: EINVAL, no extack: command %u, flags 0x%x, %u bytes%s:",
		       m->cmd, m->nlh->nlmsg_flags, m->nlh->nlmsg_len,
		       m->mutated ? " (mutated)" : "");
		for (unsigned int i = NLMSG_HDRLEN; i < m->nlh->nlmsg_len && i < 96; i++)
			printf("%s%02x", i % 4 ? "" : " ", (unsigned char)m->buf[i]);
		printf("\n");
	}
	if (mode != M_ROOT)
		judge_unprivileged(m, a.err);
	if (!sample)
		return;
	if (rpc_w >= 0) {
		n_unchanged_checks++;
		err = rpc('a');
		if (err)
			violation("command %u (flags 0x%x, %u bytes%s) answered %d '%s' %s",
				  m->cmd, m->nlh->nlmsg_flags, m->nlh->nlmsg_len,
				  m->mutated ? ", mutated" : "", a.err, a.extack,
				  err > 0 ? "but the state changed" :
				  "and the state could not be read");
		else if (a.err)
			n_verified_err++;
		return;
	}
	if (snapshot(&s_after, mode != M_ROOT)) {
		violation("snapshot after a request failed");
		return;
	}
	if (a.err || mode != M_ROOT || !m->known) {
		n_unchanged_checks++;
		if (!snap_eq(&s_before, &s_after, 1, "a refused request changed the state"))
			violation("command %u (flags 0x%x, %u bytes%s) refused (%d %s), changed",
				  m->cmd, m->nlh->nlmsg_flags, m->nlh->nlmsg_len,
				  m->mutated ? ", mutated" : "", a.err, a.extack);
		else if (a.err)
			n_verified_err++;
		return;
	}
	/* Accepted: exactly what was asked, nothing else. */
	if (m->nlh->nlmsg_len != (m->nlh->nlmsg_len & ~3u) || !m->modeled)
		return;
	predicted = expect_after(m, &s_before, &s_want);
	if (!predicted)
		return;
	if (!snap_eq(&s_want, &s_after, 0, "an accepted request was not applied whole"))
		violation("command %u (%u bytes%s) accepted but the state is not what it asked",
			  m->cmd, m->nlh->nlmsg_len, m->mutated ? ", mutated" : "");
	else
		n_verified_ok++;
}

/* A datagram whose header lies about its length; answered or not. */
static void fuzz_bad_len(void)
{
	static char buf[MSG_MAX];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct answer a;
	size_t dlen;
	int expect_answer, err;

	nlh = put_hdr(buf, fam_id, (__u8)(1 + below(NAPT_CMD_MAX)),
		      NLM_F_REQUEST | NLM_F_ACK);
	put_settings(nlh, 3);
	dlen = nlh->nlmsg_len;
	switch (below(5)) {
	case 0:		/* longer than the datagram: dropped whole */
		nlh->nlmsg_len = chance(50) ? 0xffffffffu :
				 (__u32)dlen + 1 + below(10000);
		break;
	case 1:		/* shorter than a netlink header: dropped whole */
		nlh->nlmsg_len = below(NLMSG_HDRLEN);
		break;
	case 2:		/* a cut genetlink header */
		nlh->nlmsg_len = NLMSG_HDRLEN + below(GENL_HDRLEN);
		dlen = chance(50) ? nlh->nlmsg_len : dlen;
		break;
	case 3:		/* odd: part of the last attribute cut off */
		nlh->nlmsg_len = (__u32)dlen - 1 - below(3);
		break;
	case 4:		/* a huge datagram of padding and junk */
		dlen = 16384 + below(32768);
		memset((char *)nlh + nlh->nlmsg_len, 0, dlen - nlh->nlmsg_len);
		if (chance(50))
			nlh->nlmsg_len = dlen;	/* all zero attributes */
		break;
	}
	/* After this message: zeros, which end the datagram's parsing. */
	if (dlen > NLMSG_ALIGN(nlh->nlmsg_len) && nlh->nlmsg_len >= NLMSG_HDRLEN &&
	    nlh->nlmsg_len <= dlen)
		memset((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len), 0,
		       dlen - NLMSG_ALIGN(nlh->nlmsg_len));
	expect_answer = nlh->nlmsg_len >= NLMSG_HDRLEN && nlh->nlmsg_len <= dlen;
	memset(&a, 0, sizeof(a));
	a.seq = nlh->nlmsg_seq;
	n_sent++;
	err = send_dgram(nl, buf, dlen);
	if (err) {
		violation("send of a %zu byte datagram: %s", dlen, strerror(-err));
		return;
	}
	if (!expect_answer) {
		n_noanswer_expected++;
		barrier(nl, &a, 1);
		return;
	}
	err = collect(nl, &a, 1, 1);
	if (err) {
		violation("no answer to a %zu byte datagram with nlmsg_len %u: %s",
			  dlen, nlh->nlmsg_len, strerror(-err));
		return;
	}
	count_answer(a.err);
	g = mnl_nlmsg_get_payload(nlh);
	if (mode != M_ROOT && nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN &&
	    g->cmd != NAPT_CMD_VERSION_GET && a.err != -EPERM &&
	    !(a.err == -EINVAL && core_refuses(nlh)) &&
	    /* 6.12 looks a dump-only command up as a do first */
	    !(a.err == -EOPNOTSUPP && is_dump_cmd(g->cmd)))
		violation("unprivileged: command %u, %zu bytes (nlmsg_len %u): %d, not EPERM",
			  g->cmd, dlen, nlh->nlmsg_len, a.err);
}

/* Several requests in one datagram, some without NLM_F_ACK. */
static void fuzz_batch(void)
{
	static char buf[MSG_MAX * 2];
	struct answer ans[MAX_BATCH];
	int n = 2 + below(MAX_BATCH - 1), i, acked[MAX_BATCH];
	size_t off = 0;
	struct msg *m = malloc(sizeof(*m));

	if (!m)
		return;
	for (i = 0; i < n; i++) {
		__u8 cmd = chance(90) ? 1 + below(NAPT_CMD_MAX) : (__u8)rnd();

		build_command(m, cmd, 30);
		if (cmd > NAPT_CMD_MAX || cmd == 0)
			m->known = 0;
		if (chance(30))
			m->nlh->nlmsg_flags &= ~NLM_F_ACK;
		/* Dumps in a batch: the rest of the batch is left unread
		 * by the kernel until the dump is done; keep them last.
		 */
		m->nlh->nlmsg_flags &= ~NLM_F_DUMP;
		m->flags_ok = !is_dump_cmd(m->cmd);
		acked[i] = !!(m->nlh->nlmsg_flags & NLM_F_ACK);
		memset(&ans[i], 0, sizeof(ans[i]));
		ans[i].seq = m->nlh->nlmsg_seq;
		if (off + NLMSG_ALIGN(m->nlh->nlmsg_len) > sizeof(buf))
			break;
		memcpy(buf + off, m->nlh, m->nlh->nlmsg_len);
		memset(buf + off + m->nlh->nlmsg_len, 0,
		       NLMSG_ALIGN(m->nlh->nlmsg_len) - m->nlh->nlmsg_len);
		off += NLMSG_ALIGN(m->nlh->nlmsg_len);
		n_sent++;
		if (mode != M_ROOT && m->known && m->cmd != NAPT_CMD_VERSION_GET)
			acked[i] |= 2 | (m->flags_ok ? 0 : 4);	/* must be refused */
	}
	n = i;
	free(m);
	if (send_dgram(nl, buf, off)) {
		violation("send of a batch: %s", strerror(errno));
		return;
	}
	if (barrier(nl, ans, n))
		return;
	for (i = 0; i < n; i++) {
		if (ans[i].done) {
			count_answer(ans[i].err);
			if ((acked[i] & 2) && ans[i].err != -EPERM &&
			    !((acked[i] & 4) && ans[i].err == -EOPNOTSUPP))
				violation("unprivileged: batched request %d answered %d, not EPERM",
					  i, ans[i].err);
			continue;
		}
		if (acked[i] & 1)
			violation("batched request %d of %d, with NLM_F_ACK, not answered",
				  i, n);
		else if (acked[i] & 2)
			violation("unprivileged: batched request %d of %d not refused",
				  i, n);
	}
}

/* A dump, abandoned or left half-read while others change the tables. */
static void fuzz_dump_cut(struct mnl_socket *main_sk, int allow_changes)
{
	struct mnl_socket *d = nl_open();
	static char rbuf[MSG_MAX * 4];
	struct snap *seen = &s_want;
	char buf[256];
	struct nlmsghdr *nlh;
	__u8 cmd = chance(50) ? NAPT_CMD_MAPPING_GET : NAPT_CMD_FORWARD_GET;
	int variant = below(4), i, err;
	struct answer a[2];

	if (!d) {
		violation("cannot open a socket for a dump");
		return;
	}
	nlh = put_hdr(buf, fam_id, cmd, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
	memset(a, 0, sizeof(a));
	a[0].seq = nlh->nlmsg_seq;
	seen->nf = 0;
	seen->dup = 0;
	seen->overflow = 0;
	if (cmd == NAPT_CMD_FORWARD_GET) {
		a[0].cb = fwd_dump_cb;
		a[0].data = seen;
	}
	n_sent++;
	if (send_dgram(d, nlh, nlh->nlmsg_len)) {
		violation("send of a dump request: %s", strerror(errno));
		mnl_socket_close(d);
		return;
	}
	n_dumps_cut++;
	switch (variant) {
	case 0:		/* closed before anything is read */
		break;
	case 1:		/* one read, then closed */
		if (recv(mnl_socket_get_fd(d), rbuf, sizeof(rbuf), 0) < 0)
			violation("first part of a dump: %s", strerror(errno));
		break;
	case 2:		/* one read, changes meanwhile, then the rest */
	case 3: {	/* one read, a second dump on the same socket */
		ssize_t len = recv(mnl_socket_get_fd(d), rbuf, sizeof(rbuf), 0);
		const struct nlmsghdr *h = (const struct nlmsghdr *)rbuf;
		int rem = (int)len;

		if (len < 0) {
			violation("first part of a dump: %s", strerror(errno));
			break;
		}
		for (; mnl_nlmsg_ok(h, rem); h = mnl_nlmsg_next(h, &rem)) {
			if (h->nlmsg_seq != a[0].seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				parse_error(h, &a[0]);
			else if (h->nlmsg_type == NLMSG_DONE)
				a[0].done = 1;
			else if (a[0].cb)
				a[0].cb(h, a[0].data);
		}
		if (variant == 2 && allow_changes) {
			struct msg *m = malloc(sizeof(*m));
			int k = 1 + below(20);

			for (i = 0; m && i < k; i++) {
				static const __u8 cmds[] = {
					NAPT_CMD_FORWARD_ADD, NAPT_CMD_FORWARD_DEL,
					NAPT_CMD_MAPPING_FLUSH, NAPT_CMD_CONFIG_SET,
				};
				struct answer x = {};

				build_command(m, cmds[below(sizeof(cmds))], 0);
				m->nlh->nlmsg_flags &= ~NLM_F_DUMP;
				x.seq = m->nlh->nlmsg_seq;
				n_sent++;
				if (send_dgram(main_sk, m->nlh, m->nlh->nlmsg_len) ||
				    collect(main_sk, &x, 1, 1))
					violation("no answer to a change during a dump");
				else
					count_answer(x.err);
			}
			free(m);
		}
		if (variant == 3) {
			nlh = put_hdr(buf, fam_id, cmd,
				      NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
			a[1].seq = nlh->nlmsg_seq;
			n_sent++;
			if (send_dgram(d, nlh, nlh->nlmsg_len))
				violation("send of a second dump: %s", strerror(errno));
		}
		if (chance(50) && !a[0].done) {
			/* The rest: it must end, without repeats. */
			err = collect(d, a, variant == 3 ? 2 : 1, 1);
			if (err)
				violation("a dump read half, then on, never ended: %s",
					  strerror(-err));
			else if (a[0].err || (variant == 3 && a[1].err &&
					      a[1].err != -EBUSY))
				violation("a resumed dump ended with %d / %d",
					  a[0].err, a[1].err);
			if (seen->dup)
				violation("a forward dump showed a forward twice or out of order");
			n_dumps_full++;
		}
		break;
	}
	}
	mnl_socket_close(d);
}

/* A whole dump, read to the end. */
static void dump_full(struct mnl_socket *sk, __u8 cmd)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct answer a;
	int err;

	nlh = put_hdr(buf, fam_id, cmd, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
	s_want.nf = 0;
	s_want.dup = 0;
	s_want.overflow = 0;
	n_sent++;
	err = request(sk, nlh, cmd == NAPT_CMD_FORWARD_GET ? fwd_dump_cb : NULL,
		      &s_want, &a);
	n_dumps_full++;
	if (cmd == NAPT_CMD_MAPPING_GET)
		n_dump_entries += a.nmsgs;
	if (err == -ETIMEDOUT || err == -EAGAIN)
		violation("dump %u never ended", cmd);
	else if (mode == M_ROOT || mode == M_DUMPER ? err != 0 : err != -EPERM)
		violation("dump %u answered %d", cmd, err);
	if (s_want.dup)
		violation("forward dump repeated or misordered a forward");
	count_answer(err);
}

/* One random message of any kind. */
static void fuzz_random(struct msg *m)
{
	unsigned int r = below(100);
	__u8 cmd;

	if (r < 60) {			/* a real command, maybe mutated */
		cmd = 1 + below(NAPT_CMD_MAX);
		/* Reads are cheap and say little: fewer of them. */
		if (cmd == NAPT_CMD_MAPPING_GET && chance(70))
			cmd = NAPT_CMD_FORWARD_ADD;
		build_command(m, cmd, 35);
		fuzz_one(m);
	} else if (r < 68) {		/* an unknown command */
		cmd = chance(50) ? 0 : NAPT_CMD_MAX + 1 + below(255 - NAPT_CMD_MAX);
		build_command(m, 1 + below(NAPT_CMD_MAX), 20);
		((struct genlmsghdr *)mnl_nlmsg_get_payload(m->nlh))->cmd = cmd;
		m->cmd = cmd;
		m->known = 0;
		m->modeled = 0;
		fuzz_one(m);
	} else if (r < 74) {		/* flags: no REQUEST, odd bits */
		build_command(m, 1 + below(NAPT_CMD_MAX), 10);
		m->nlh->nlmsg_flags ^= chance(50) ? NLM_F_REQUEST :
				       (__u16)(rnd() & ~NLM_F_ACK);
		m->nlh->nlmsg_flags |= NLM_F_ACK;
		m->flags_ok = ((m->nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP) ==
			      is_dump_cmd(m->cmd);
		if ((m->nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
			m->modeled = 0;
		fuzz_one(m);
	} else if (r < 78) {		/* random bytes after a valid header */
		int n = below(512), i;
		char *p;

		build_command(m, 1 + below(NAPT_CMD_MAX), 0);
		m->nlh->nlmsg_flags &= ~NLM_F_DUMP;
		p = mnl_nlmsg_get_payload_tail(m->nlh);
		for (i = 0; i < n; i++)
			p[i] = (char)rnd();
		m->nlh->nlmsg_len += n;
		m->mutated = 1;
		m->flags_ok = !is_dump_cmd(m->cmd);
		fuzz_one(m);
	} else if (r < 81) {		/* a control message type */
		build_command(m, NAPT_CMD_VERSION_GET, 0);
		m->nlh->nlmsg_type = below(NLMSG_MIN_TYPE);
		m->known = 0;
		fuzz_one(m);
	} else if (r < 88) {
		fuzz_bad_len();
	} else if (r < 95) {
		fuzz_batch();
	} else if (r < 98) {
		fuzz_dump_cut(nl, mode == M_ROOT);
	} else {
		dump_full(nl, chance(50) ? NAPT_CMD_MAPPING_GET : NAPT_CMD_FORWARD_GET);
	}
}

/* ------------------------------------------------------------------ */

/* Forwards, for the dumps to have something to walk. */
static int fill_forwards(struct mnl_socket *sk, int n)
{
	char buf[512];
	int i, added = 0, err;

	for (i = 0; i < n; i++) {
		struct nlmsghdr *nlh = put_hdr(buf, fam_id, NAPT_CMD_FORWARD_ADD,
					       NLM_F_REQUEST | NLM_F_ACK);
		struct nlattr *nest = mnl_attr_nest_start(nlh, NAPT_A_FORWARD);
		struct in_addr in;

		inet_pton(AF_INET, "192.168.1.10", &in);
		if (i % 3)
			mnl_attr_put_u8(nlh, NAPT_FWD_A_PROTO,
					i % 3 == 1 ? IPPROTO_TCP : IPPROTO_UDP);
		mnl_attr_put_u16(nlh, NAPT_FWD_A_EXT_PORT_MIN, 40000 + i);
		mnl_attr_put_u32(nlh, NAPT_FWD_A_INT_ADDR, in.s_addr);
		mnl_attr_put_strz(nlh, NAPT_FWD_A_DESCR, "fuzz fill");
		mnl_attr_nest_end(nlh, nest);
		n_sent++;
		err = request(sk, nlh, NULL, NULL, NULL);
		count_answer(err);
		if (!err)
			added++;
		else if (added == 0 && i > 10)
			break;
	}
	return added;
}

static int become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -EIO;
}

/* Root of a new user namespace: every capability, but in a namespace
 * that does not own this network namespace.
 */
static int become_userns_root(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER))
		return -errno;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_file("/proc/self/uid_map", map))
		return -errno;
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", gid);
	if (write_file("/proc/self/gid_map", map))
		return -errno;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: napt_fuzz_genl [-m root|nobody|userns|eperm|dumper] [-s SEED]\n"
		"                      [-n MESSAGES] [-f FORWARDS] [-d DUMPS] [-S STOPFILE] [-v]\n");
	exit(2);
}

static void report(void)
{
	int i;

	printf("# messages sent: %lu in %lu datagrams (%lu barriers, %lu expected unanswered)\n",
	       n_sent, n_dgrams, n_barriers, n_noanswer_expected);
	printf("# answers: %lu success", n_ok);
	for (i = 1; i < 256; i++)
		if (n_err[i])
			printf(", %lu %s", n_err[i],
			       i == 255 ? "other" : strerrorname_np(i) ?: "?");
	printf("\n");
	printf("# verified: %lu accepted applied whole, %lu refused changed nothing (%lu checks)\n",
	       n_verified_ok, n_verified_err, n_unchanged_checks);
	printf("# dumps: %lu read whole, %lu cut or left half-read, %lu entries seen\n",
	       n_dumps_full, n_dumps_cut, n_dump_entries);
	printf("# EPERM: %lu; EINVAL without extack: %lu; stray messages skipped: %lu\n",
	       n_eperm, n_einval_nomsg, n_stray);
	printf("# violations: %lu\n", n_violations);
}

int main(int argc, char **argv)
{
	unsigned long long seed = 0;
	int have_seed = 0, nmsgs = 5000, nfill = 500, ndumps = 50;
	const char *stopfile = NULL;
	unsigned long start;
	int keep_netns = 0, rc;

	rpc_w = -1;
	rpc_r = -1;
	struct msg *m;
	int o, i, err = 0;

	while ((o = getopt(argc, argv, "m:s:n:f:d:S:p:kv")) != -1) {
		switch (o) {
		case 'k':
			keep_netns = 1;
			break;
		case 'm':
			if (!strcmp(optarg, "root"))
				mode = M_ROOT;
			else if (!strcmp(optarg, "nobody"))
				mode = M_NOBODY;
			else if (!strcmp(optarg, "userns"))
				mode = M_USERNS;
			else if (!strcmp(optarg, "eperm"))
				mode = M_EPERM;
			else if (!strcmp(optarg, "dumper"))
				mode = M_DUMPER;
			else
				usage();
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			have_seed = 1;
			break;
		case 'n':
			nmsgs = atoi(optarg);
			break;
		case 'f':
			nfill = atoi(optarg);
			break;
		case 'd':
			ndumps = atoi(optarg);
			break;
		case 'p':
			verify_pct = atoi(optarg);
			break;
		case 'S':
			stopfile = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (unsigned long long)ts.tv_nsec ^ ((unsigned long long)getpid() << 20);
	}
	if (!keep_netns) {
		/* On its own (as the kselftest runner starts it): a KTAP test
		 * in a network namespace of its own, napt loaded.
		 */
		printf("TAP version 13\n1..1\n");
		if (unshare(CLONE_NEWNET)) {
			printf("# cannot make a network namespace: %s\n",
			       strerror(errno));
			printf("ok 1 napt_fuzz_genl # SKIP not root?\n");
			return KSFT_SKIP;
		}
		if (system("modprobe napt >/dev/null 2>&1"))
			printf("# modprobe napt failed\n");
	}
	printf("# seed: %llu\n", seed);
	rng = seed * 2654435761ULL + 0x9e3779b97f4a7c15ULL;
	if (!rng)
		rng = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (mode == M_NOBODY || mode == M_USERNS || mode == M_ROOT ||
	    mode == M_DUMPER) {
		adm = nl_open();
		if (!adm) {
			printf("# cannot open a generic netlink socket: %s\n", strerror(errno));
			return KSFT_FAIL;
		}
	}
	nl = nl_open();
	if (!nl) {
		printf("# cannot open a generic netlink socket: %s\n", strerror(errno));
		return KSFT_FAIL;
	}
	err = family_get(nl);
	if (err || !fam_id) {
		printf("# generic netlink family '%s' not found: %s\n",
		       NAPT_GENL_NAME, strerror(-err));
		if (!keep_netns)
			printf("not ok 1 napt_fuzz_genl\n");
		return KSFT_FAIL;
	}
	snap_init(&s_base);
	snap_init(&s_before);
	snap_init(&s_after);
	snap_init(&s_want);
	m = malloc(sizeof(*m));
	if (!m)
		return KSFT_FAIL;

	if (mode == M_DUMPER) {
		unsigned long loops = 0;

		while (!stopfile || access(stopfile, F_OK)) {
			if (nmsgs && loops >= (unsigned long)nmsgs)
				break;
			if (chance(60))
				fuzz_dump_cut(nl, 0);
			else
				dump_full(nl, chance(50) ? NAPT_CMD_MAPPING_GET :
							  NAPT_CMD_FORWARD_GET);
			loops++;
		}
		printf("# dumper: %lu loops\n", loops);
		report();
		return n_violations ? KSFT_FAIL : KSFT_PASS;
	}

	if (mode == M_ROOT) {
		/* Phase 1: many forwards, then dumps cut short. */
		int added = fill_forwards(nl, nfill);

		printf("# phase 1: %d forwards added; %d dumps cut or left half-read\n",
		       added, ndumps);
		for (i = 0; i < ndumps; i++) {
			fuzz_dump_cut(nl, 1);
			if (!(i % 20))
				dump_full(nl, chance(50) ? NAPT_CMD_MAPPING_GET :
							  NAPT_CMD_FORWARD_GET);
		}
		dump_full(nl, NAPT_CMD_MAPPING_GET);
		dump_full(nl, NAPT_CMD_FORWARD_GET);
		printf("# phase 1 done: the forward dump shows %d forwards\n", s_want.nf);
		/* Phase 2 snapshots the forwards often: start it small. */
		{
			char buf[64];
			struct nlmsghdr *nlh = put_hdr(buf, fam_id,
						       NAPT_CMD_FORWARD_FLUSH,
						       NLM_F_REQUEST | NLM_F_ACK);

			n_sent++;
			err = request(nl, nlh, NULL, NULL, NULL);
			count_answer(err);
			if (err || snapshot(&s_after, 0) || s_after.nf)
				violation("forward flush after phase 1: %d, %d forwards left",
					  err, s_after.nf);
		}
	} else {
		/* The state to keep is the caller's (forwards, mappings). */
		if (adm && snapshot(&s_base, 1)) {
			printf("# cannot snapshot through the admin socket\n");
			return KSFT_FAIL;
		}
		if (mode == M_NOBODY || mode == M_USERNS) {
			int down[2], up[2], status;
			pid_t pid;

			if (pipe(down) || pipe(up)) {
				perror("pipe");
				return KSFT_FAIL;
			}
			fflush(stdout);
			pid = fork();
			if (pid < 0) {
				perror("fork");
				return KSFT_FAIL;
			}
			if (pid) {
				/* The root parent: snapshots on request. */
				close(down[0]);
				close(up[1]);
				err = snap_server(up[0], down[1]);
				close(down[1]);
				if (waitpid(pid, &status, 0) != pid)
					return KSFT_FAIL;
				if (err)
					printf("# state changed or unreadable (see above)\n");
				return err || !WIFEXITED(status) ?
				       KSFT_FAIL : WEXITSTATUS(status);
			}
			close(down[1]);
			close(up[0]);
			rpc_r = down[0];
			rpc_w = up[1];
			mnl_socket_close(adm);
			adm = NULL;
		}
		if (mode == M_NOBODY)
			err = become_nobody();
		else if (mode == M_USERNS)
			err = become_userns_root();
		if ((mode == M_NOBODY || mode == M_USERNS) && err) {
			printf("# cannot drop privileges: %s\n", strerror(-err));
			return KSFT_FAIL;
		}
		mnl_socket_close(nl);
		nl = nl_open();	/* with the lesser credentials */
		if (!nl) {
			printf("# cannot open an unprivileged socket\n");
			return KSFT_FAIL;
		}
		printf("# running as uid %u %s\n", getuid(),
		       mode == M_USERNS ? "(root of a new user namespace)" : "");
		for (i = 0; i < ndumps / 4; i++)
			fuzz_dump_cut(nl, 0);
	}

	/* Phase 2: random messages. */
	printf("# phase 2: %d random messages\n", nmsgs);
	start = n_sent;
	while (n_sent - start < (unsigned long)nmsgs) {
		fuzz_random(m);
		if (mode == M_ROOT && s_after.nf > 300 && chance(20)) {
			char buf[64];
			struct nlmsghdr *nlh = put_hdr(buf, fam_id,
						       NAPT_CMD_FORWARD_FLUSH,
						       NLM_F_REQUEST | NLM_F_ACK);

			n_sent++;
			count_answer(request(nl, nlh, NULL, NULL, NULL));
			s_after.nf = 0;
		}
		if (n_violations > 200)
			break;
	}
	if (rpc_w >= 0 && rpc('z'))
		violation("the state after the unprivileged run is not the state before");
	report();
	rc = n_violations ? KSFT_FAIL : KSFT_PASS;
	if (!keep_netns)
		printf("%sok 1 napt_fuzz_genl seed %llu\n", rc ? "not " : "", seed);
	return rc;
}
