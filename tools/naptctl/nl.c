// SPDX-License-Identifier: GPL-2.0
/* The libmnl session with the napt family; see nl.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/napt.h>

#include "nl.h"

struct request_ctx {
	struct nl_session *s;
	mnl_cb_t data_cb;
	void *data;
	uint16_t type;		/* replies carry the request's type */
	int kernel_error;	/* errno from NLMSG_ERROR / NLMSG_DONE */
};

static struct nlmsghdr *msg_start(void *buf, uint16_t type, uint8_t cmd,
				  uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *nl_msg_start(void *buf, uint16_t family, uint8_t cmd,
			      uint16_t flags)
{
	return msg_start(buf, family, cmd, NAPT_GENL_VERSION, flags);
}

static int socket_open(struct nl_session *s)
{
	int one = 1;

	s->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!s->sock) {
		s->error = errno;
		return -1;
	}
	if (mnl_socket_bind(s->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		s->error = errno;
		mnl_socket_close(s->sock);
		s->sock = NULL;
		return -1;
	}
	s->portid = mnl_socket_get_portid(s->sock);
	/*
	 * EXT_ACK: the kernel's error text comes back with the error.
	 * CAP_ACK: errors do not echo the request, which for a restore can
	 * be megabytes. Kernels without them (< 4.12 / 4.3) still send the
	 * errno, so a failure here is not one.
	 */
	mnl_socket_setsockopt(s->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

static int family_id_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	uint16_t *family = data;

	if (nl_parse_attrs(nlh, tb, CTRL_ATTR_MAX) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_ID] ||
	    nl_get_u16(tb[CTRL_ATTR_FAMILY_ID], family) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int resolve_family(struct nl_session *s, const char *name)
{
	char buf[NL_SEND_SIZE];
	struct nlmsghdr *nlh;
	uint16_t family = 0;

	nlh = msg_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	if (nl_request(s, nlh, family_id_cb, &family) < 0) {
		/* the controller answers ENOENT for an unknown name */
		s->family_missing = s->error == ENOENT;
		return -1;
	}
	if (family == 0) {
		s->error = EPROTO;
		return -1;
	}
	s->family = family;
	return 0;
}

int nl_open(struct nl_session *s)
{
	return nl_open_family(s, NAPT_GENL_NAME);
}

int nl_open_family(struct nl_session *s, const char *name)
{
	*s = (struct nl_session){ .seq = (uint32_t)time(NULL) };
	s->recv_buf = malloc(NL_RECV_SIZE);
	if (!s->recv_buf) {
		s->error = ENOMEM;
		return -1;
	}
	if (socket_open(s) < 0 || resolve_family(s, name) < 0) {
		nl_close(s);
		return -1;
	}
	return 0;
}

/* Keeps error, extack and family_missing for the error line. */
void nl_close(struct nl_session *s)
{
	if (s->sock)
		mnl_socket_close(s->sock);
	s->sock = NULL;
	free(s->recv_buf);
	s->recv_buf = NULL;
}

void nl_reserve_sndbuf(struct nl_session *s, size_t len)
{
	int fd = mnl_socket_get_fd(s->sock);
	int size;

	if (len <= NL_SEND_SIZE)
		return;
	/*
	 * netlink refuses a message longer than the send buffer (EMSGSIZE).
	 * The kernel doubles what is asked; leave room for its overhead.
	 * SO_SNDBUFFORCE passes net.core.wmem_max and needs CAP_NET_ADMIN,
	 * which restore needs anyway; SO_SNDBUF is the capped fallback.
	 */
	size = len > (size_t)(0x7fffffff / 2 - 65536) ? 0x7fffffff / 2 :
						       (int)len + 65536;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= NLMSGERR_ATTR_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

int nl_parse_ack(const struct nlmsghdr *nlh, int *error, char *msg,
		 size_t msg_size)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { NULL };
	size_t payload_len = mnl_nlmsg_get_payload_len(nlh);
	size_t tlv_offset;	/* where the TLVs start in the payload */
	int32_t code;

	msg[0] = '\0';
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

		if (payload_len < sizeof(*err))
			return -1;
		code = err->error;
		tlv_offset = sizeof(*err);
		/* unless capped, the request's payload is echoed first */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (err->msg.nlmsg_len < sizeof(struct nlmsghdr))
				return -1;
			tlv_offset += err->msg.nlmsg_len -
				      sizeof(struct nlmsghdr);
		}
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		/* the dump's end: its status as an int, then maybe TLVs */
		if (payload_len < sizeof(code)) {
			*error = 0;
			return 0;
		}
		memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof(code));
		tlv_offset = sizeof(code);
	} else {
		return -1;
	}
	/* subsystems disagree on the sign */
	*error = code < 0 ? -code : code;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	if (MNL_ALIGN(tlv_offset) > payload_len)
		return -1;
	mnl_attr_parse(nlh, (unsigned int)tlv_offset, extack_attr_cb, tb);

	if (tb[NLMSGERR_ATTR_MSG] &&
	    mnl_attr_validate(tb[NLMSGERR_ATTR_MSG], MNL_TYPE_NUL_STRING) == 0) {
		snprintf(msg, msg_size, "%s",
			 mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
	} else if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
		   mnl_attr_validate(tb[NLMSGERR_ATTR_MISS_TYPE], MNL_TYPE_U32) == 0) {
		/* a required attribute was missing and the kernel gave no text */
		snprintf(msg, msg_size, "missing attribute %u%s",
			 mnl_attr_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]),
			 tb[NLMSGERR_ATTR_MISS_NEST] ? " in a nest" : "");
	}
	return 0;
}

static int data_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct request_ctx *ctx = arg;

	if (nlh->nlmsg_type != ctx->type || !ctx->data_cb)
		return MNL_CB_OK;
	return ctx->data_cb(nlh, ctx->data);
}

/*
 * NLMSG_ERROR ends a request (error 0 is the ACK), NLMSG_DONE a dump.
 * libmnl's own handlers keep only the errno; these keep the text too.
 */
static int ack_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct request_ctx *ctx = arg;
	int error;

	if (nl_parse_ack(nlh, &error, ctx->s->extack,
			 sizeof(ctx->s->extack)) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (error) {
		ctx->kernel_error = error;
		errno = error;
		return MNL_CB_ERROR;
	}
	/* a message with success is a warning */
	if (ctx->s->extack[0])
		fprintf(stderr, "naptctl: warning: %s\n", ctx->s->extack);
	return MNL_CB_STOP;
}

int nl_request(struct nl_session *s, struct nlmsghdr *nlh, mnl_cb_t cb,
	       void *data)
{
	mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = ack_cb,
		[NLMSG_DONE] = ack_cb,
	};
	struct request_ctx ctx = {
		.s = s, .data_cb = cb, .data = data, .type = nlh->nlmsg_type,
	};
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	ssize_t len;
	int ret;

	if (!s->sock) {
		s->error = EBADF;
		return -1;
	}
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	/* a dump ends with NLMSG_DONE, which carries its status */
	if (!dump)
		nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++s->seq;
	s->error = 0;
	s->extack[0] = '\0';

	if (mnl_socket_sendto(s->sock, nlh, nlh->nlmsg_len) < 0) {
		s->error = errno;
		return -1;
	}
	/* until the ACK, the end of the dump, or an error */
	for (;;) {
		len = mnl_socket_recvfrom(s->sock, s->recv_buf, NL_RECV_SIZE);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0) {
			s->error = errno;
			return -1;
		}
		errno = 0;
		ret = mnl_cb_run2(s->recv_buf, (size_t)len, nlh->nlmsg_seq,
				  s->portid, data_cb, &ctx, ctl_cbs,
				  NLMSG_MIN_TYPE);
		if (ret != MNL_CB_OK)
			break;
	}

	if (ret == MNL_CB_STOP)
		return 0;
	s->error = ctx.kernel_error ? ctx.kernel_error : errno ? errno : EPROTO;
	if (!ctx.kernel_error) {
		/*
		 * We stopped before the answer's end (an interrupted dump, a
		 * malformed message): the rest is still queued and would
		 * confuse the next request, so go on with a fresh socket.
		 */
		int error = s->error;

		mnl_socket_close(s->sock);
		s->sock = NULL;
		socket_open(s);
		s->error = error;
	}
	return -1;
}

struct attr_table {
	const struct nlattr **tb;
	unsigned int max;
};

static int attr_table_cb(const struct nlattr *attr, void *data)
{
	struct attr_table *table = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= table->max)
		table->tb[type] = attr;
	return MNL_CB_OK;
}

int nl_parse_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb,
		   unsigned int max)
{
	struct attr_table table = { .tb = tb, .max = max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -1;
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_table_cb,
			      &table) == MNL_CB_OK ? 0 : -1;
}

int nl_parse_nest(const struct nlattr *nest, const struct nlattr **tb,
		  unsigned int max)
{
	struct attr_table table = { .tb = tb, .max = max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	return mnl_attr_parse_nested(nest, attr_table_cb, &table) == MNL_CB_OK ?
	       0 : -1;
}

static int get_fixed(const struct nlattr *a, void *v, size_t size)
{
	if (!a || mnl_attr_get_payload_len(a) != size) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(v, mnl_attr_get_payload(a), size);
	return 0;
}

int nl_get_u8(const struct nlattr *a, uint8_t *v)
{
	return get_fixed(a, v, sizeof(*v));
}

int nl_get_u16(const struct nlattr *a, uint16_t *v)
{
	return get_fixed(a, v, sizeof(*v));
}

int nl_get_u32(const struct nlattr *a, uint32_t *v)
{
	return get_fixed(a, v, sizeof(*v));
}

int nl_get_u64(const struct nlattr *a, uint64_t *v)
{
	return get_fixed(a, v, sizeof(*v));
}

int nl_get_uint(const struct nlattr *a, uint64_t *v)
{
	uint32_t v32;

	if (a && mnl_attr_get_payload_len(a) == sizeof(v32)) {
		if (nl_get_u32(a, &v32) < 0)
			return -1;
		*v = v32;
		return 0;
	}
	return nl_get_u64(a, v);
}

int nl_get_str(const struct nlattr *a, char *buf, size_t size)
{
	size_t len;

	if (!a) {
		errno = EBADMSG;
		return -1;
	}
	len = mnl_attr_get_payload_len(a);
	if (len == 0 || strnlen(mnl_attr_get_payload(a), len) >= len ||
	    strlen(mnl_attr_get_payload(a)) >= size) {
		errno = EBADMSG;
		return -1;
	}
	strcpy(buf, mnl_attr_get_payload(a));
	return 0;
}
