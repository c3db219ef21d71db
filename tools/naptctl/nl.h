/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The libmnl session with the napt generic netlink family: open the
 * socket, resolve the family id, send one request and read its answer
 * (data messages, then the ACK or the end of the dump), keeping the
 * kernel's extended ACK message for the error line.
 */
#ifndef NAPTCTL_NL_H
#define NAPTCTL_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#define NL_EXTACK_MAX	256
/*
 * The kernel sizes dump messages by the reader's buffer up to 32 KiB;
 * a larger buffer is never truncated (libmnl reports truncation ENOSPC).
 */
#define NL_RECV_SIZE	65536
/* Requests other than restore fit in this. */
#define NL_SEND_SIZE	8192

struct nl_session {
	struct mnl_socket *sock;
	unsigned int portid;
	uint16_t family;
	uint32_t seq;
	bool family_missing;		/* no "napt" family: module absent */
	int error;			/* errno of the last failure */
	char extack[NL_EXTACK_MAX];	/* kernel's message, "" if none */
	void *recv_buf;
};

/* 0, or -1 with s->error (and s->family_missing) set. */
int nl_open(struct nl_session *s);
/* The same for any generic netlink family (the tests use "nlctrl"). */
int nl_open_family(struct nl_session *s, const char *name);
void nl_close(struct nl_session *s);

/* Header of a napt request in buf (nlmsghdr + genlmsghdr). */
struct nlmsghdr *nl_msg_start(void *buf, uint16_t family, uint8_t cmd,
			      uint16_t flags);

/*
 * Sends nlh and reads the answer. data_cb sees every message of the
 * family; it returns MNL_CB_OK, or MNL_CB_ERROR with errno set. Asks for
 * an ACK unless nlh is a dump. 0, or -1 with s->error and s->extack set.
 * A dump the kernel marked inconsistent fails with EINTR.
 */
int nl_request(struct nl_session *s, struct nlmsghdr *nlh, mnl_cb_t data_cb,
	       void *data);

/* Grows the send buffer for one message of len bytes (restore). */
void nl_reserve_sndbuf(struct nl_session *s, size_t len);

/*
 * Reads an NLMSG_ERROR or NLMSG_DONE message: *error is the errno (0 for
 * a plain ACK) and msg the extack message ("" if none). 0, or -1 when
 * the message is malformed.
 */
int nl_parse_ack(const struct nlmsghdr *nlh, int *error, char *msg,
		 size_t msg_size);

/*
 * Attribute tables: tb[type] for every type up to max, NULL if absent;
 * types above max (a newer kernel) are ignored.
 */
int nl_parse_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb,
		   unsigned int max);
int nl_parse_nest(const struct nlattr *nest, const struct nlattr **tb,
		  unsigned int max);

/* Typed readers that check the payload length: 0, or -1 (EBADMSG). */
int nl_get_u8(const struct nlattr *a, uint8_t *v);
int nl_get_u16(const struct nlattr *a, uint16_t *v);
int nl_get_u32(const struct nlattr *a, uint32_t *v);
int nl_get_u64(const struct nlattr *a, uint64_t *v);
/* u32 or u64, as counters may be either */
int nl_get_uint(const struct nlattr *a, uint64_t *v);
/* a NUL-terminated string that fits in size bytes */
int nl_get_str(const struct nlattr *a, char *buf, size_t size);

#endif /* NAPTCTL_NL_H */
