// SPDX-License-Identifier: GPL-2.0
/*
 * napt's generic netlink family, spoken to directly with libmnl (no
 * naptctl in between), against what uapi/linux/napt.h promises: the
 * family is registered under its name with every command, VERSION_GET
 * answers anyone, every other command refuses callers without
 * CAP_NET_ADMIN, attributes a command does not take are refused with an
 * extended ACK message, and a new namespace starts with NAPT off and the
 * documented defaults.
 *
 * Topology: each test runs in a fresh network namespace of its own.
 *
 *   [ netns (unshare): lo ]  <- generic netlink, as root or as uid 65534
 */
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/napt.h>

#include "kselftest_harness.h"

#define NOBODY		65534
#define MSG_BUF		32768

struct family {
	__u16 id;
	__u32 version;
	__u32 maxattr;
	int has_cmd[NAPT_CMD_MAX + 1];
};

/* One request and what came back for it. */
struct req {
	char buf[MSG_BUF];
	struct nlmsghdr *nlh;
	char extack[256];	/* the kernel's message, if any */
	mnl_cb_t data_cb;
	void *data;
};

/* The extended ACK's attributes from @off of an error or done message. */
static void ext_ack_parse(const struct nlmsghdr *nlh, unsigned int off,
			  struct req *r)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(r->extack, sizeof(r->extack), "%s",
				 mnl_attr_get_str(a));
		/* A missing attribute is named, not described. */
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MISS_TYPE &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0 &&
		    !r->extack[0])
			snprintf(r->extack, sizeof(r->extack),
				 "missing attribute %u", mnl_attr_get_u32(a));
	}
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*err);
	struct req *r = data;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	ext_ack_parse(nlh, off, r);
	if (err->error == 0)
		return MNL_CB_STOP;
	errno = -err->error;
	return MNL_CB_ERROR;
}

/* A dump ends with NLMSG_DONE: its status, and why when it failed. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req *r = data;
	int err;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	ext_ack_parse(nlh, sizeof(err), r);
	if (err == 0)
		return MNL_CB_STOP;
	errno = -err;
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req *r = data;

	return r->data_cb ? r->data_cb(nlh, r->data) : MNL_CB_OK;
}

static struct mnl_socket *nl_open(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);
	int one = 1;

	if (!nl)
		return NULL;
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

static struct nlmsghdr *req_start(struct req *r, __u16 type, __u8 cmd,
				  __u16 flags)
{
	struct genlmsghdr *g;

	memset(r, 0, sizeof(*r));
	r->nlh = mnl_nlmsg_put_header(r->buf);
	r->nlh->nlmsg_type = type;
	r->nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->nlh->nlmsg_seq = time(NULL);
	g = mnl_nlmsg_put_extra_header(r->nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 1 : NAPT_GENL_VERSION;
	return r->nlh;
}

/* Send r's message, feed replies to cb; 0 or -errno. */
static int req_run(struct mnl_socket *nl, struct req *r, mnl_cb_t cb,
		   void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
	};
	unsigned int portid = mnl_socket_get_portid(nl);
	__u32 seq = r->nlh->nlmsg_seq;
	char rbuf[MSG_BUF];
	ssize_t n;
	int ret;

	r->data_cb = cb;
	r->data = data;
	if (mnl_socket_sendto(nl, r->nlh, r->nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run2(rbuf, n, seq, portid, data_cb, r, ctl,
				  NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family *f = data;
	const struct nlattr *a, *op, *oa;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			f->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_VERSION:
			f->version = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MAXATTR:
			f->maxattr = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_OPS:
			mnl_attr_for_each_nested(op, a) {
				mnl_attr_for_each_nested(oa, op) {
					__u32 id;

					if (mnl_attr_get_type(oa) != CTRL_ATTR_OP_ID)
						continue;
					id = mnl_attr_get_u32(oa);
					if (id <= NAPT_CMD_MAX)
						f->has_cmd[id] = 1;
				}
			}
			break;
		}
	}
	return MNL_CB_OK;
}

static int family_get(struct mnl_socket *nl, struct family *f)
{
	struct req r;

	memset(f, 0, sizeof(*f));
	req_start(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(r.nlh, CTRL_ATTR_FAMILY_NAME, NAPT_GENL_NAME);
	return req_run(nl, &r, family_cb, f);
}

/* A reply's top-level attributes, by type. */
struct attrs {
	const struct nlattr *tb[NAPT_A_MAX + 1];
	char copy[MSG_BUF];	/* the reply, kept for tb to point into */
};

static int attrs_cb(const struct nlmsghdr *nlh, void *data)
{
	struct attrs *at = data;
	const struct nlmsghdr *kept;
	const struct nlattr *a;

	if (nlh->nlmsg_len > sizeof(at->copy))
		return MNL_CB_ERROR;
	memcpy(at->copy, nlh, nlh->nlmsg_len);
	kept = (const struct nlmsghdr *)at->copy;
	mnl_attr_for_each(a, kept, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) <= NAPT_A_MAX)
			at->tb[mnl_attr_get_type(a)] = a;
	}
	return MNL_CB_OK;
}

/* Drop to uid/gid 65534, no groups: no capability left. */
static int become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	return 0;
}

static int read_sysfs_version(char *buf, size_t len)
{
	FILE *f = fopen("/sys/module/napt/version", "r");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

FIXTURE(genl) {
	struct mnl_socket *nl;
	struct family fam;
};

FIXTURE_SETUP(genl)
{
	int ret;

	if (geteuid() != 0)
		SKIP(return, "must be run as root");
	ASSERT_EQ(0, system("modprobe napt"));
	/* Each test runs in its own child: give it its own namespace. */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	self->nl = nl_open();
	ASSERT_NE(NULL, self->nl);
	ret = family_get(self->nl, &self->fam);
	ASSERT_EQ(0, ret) TH_LOG("family '%s' not found: %s",
				 NAPT_GENL_NAME, strerror(-ret));
}

FIXTURE_TEARDOWN(genl)
{
	if (self->nl)
		mnl_socket_close(self->nl);
}

TEST_F(genl, family_registered)
{
	EXPECT_NE(0, self->fam.id);
	EXPECT_EQ(NAPT_GENL_VERSION, self->fam.version);
	EXPECT_EQ(NAPT_A_MAX, self->fam.maxattr);
}

TEST_F(genl, every_command_registered)
{
	int cmd;

	for (cmd = NAPT_CMD_UNSPEC + 1; cmd <= NAPT_CMD_MAX; cmd++)
		EXPECT_TRUE(self->fam.has_cmd[cmd])
			TH_LOG("command %d is not registered", cmd);
}

TEST_F(genl, version_get)
{
	struct attrs at = {};
	char want[64];
	struct req r;

	req_start(&r, self->fam.id, NAPT_CMD_VERSION_GET, 0);
	ASSERT_EQ(0, req_run(self->nl, &r, attrs_cb, &at)) TH_LOG("%s", r.extack);
	ASSERT_NE(NULL, at.tb[NAPT_A_VERSION]);
	ASSERT_EQ(0, mnl_attr_validate(at.tb[NAPT_A_VERSION], MNL_TYPE_NUL_STRING));
	ASSERT_EQ(0, read_sysfs_version(want, sizeof(want)));
	EXPECT_STREQ(want, mnl_attr_get_str(at.tb[NAPT_A_VERSION]));
}

TEST_F(genl, version_get_unprivileged)
{
	struct attrs at = {};
	struct mnl_socket *nl;
	struct req r;

	ASSERT_EQ(0, become_nobody());
	/* Permission goes with the credentials the socket was opened with. */
	nl = nl_open();
	ASSERT_NE(NULL, nl);
	req_start(&r, self->fam.id, NAPT_CMD_VERSION_GET, 0);
	EXPECT_EQ(0, req_run(nl, &r, attrs_cb, &at)) TH_LOG("%s", r.extack);
	EXPECT_NE(NULL, at.tb[NAPT_A_VERSION]);
	mnl_socket_close(nl);
}

TEST_F(genl, unprivileged_refused)
{
	struct mnl_socket *nl;
	struct req r;
	int cmd;

	ASSERT_EQ(0, become_nobody());
	nl = nl_open();
	ASSERT_NE(NULL, nl);
	for (cmd = NAPT_CMD_VERSION_GET + 1; cmd <= NAPT_CMD_MAX; cmd++) {
		__u16 flags = 0;

		if (cmd == NAPT_CMD_MAPPING_GET || cmd == NAPT_CMD_FORWARD_GET)
			flags = NLM_F_DUMP;
		req_start(&r, self->fam.id, cmd, flags);
		EXPECT_EQ(-EPERM, req_run(nl, &r, NULL, NULL))
			TH_LOG("command %d from uid %d not refused with EPERM",
			       cmd, NOBODY);
	}
	mnl_socket_close(nl);
}

TEST_F(genl, unknown_attribute_refused)
{
	struct req r;

	req_start(&r, self->fam.id, NAPT_CMD_CONFIG_GET, 0);
	mnl_attr_put_u32(r.nlh, NAPT_A_MAX + 1, 1);
	EXPECT_EQ(-EINVAL, req_run(self->nl, &r, NULL, NULL));
	EXPECT_NE('\0', r.extack[0]) TH_LOG("no extended ACK message");
}

TEST_F(genl, unlisted_attribute_refused)
{
	struct req r;

	/* VERSION_GET takes no attributes: an ifname is refused. */
	req_start(&r, self->fam.id, NAPT_CMD_VERSION_GET, 0);
	mnl_attr_put_strz(r.nlh, NAPT_A_WAN_IFNAME, "lo");
	EXPECT_EQ(-EINVAL, req_run(self->nl, &r, NULL, NULL));
	EXPECT_NE('\0', r.extack[0]) TH_LOG("no extended ACK message");
}

/*
 * A mapping dump filtered by internal port without an internal address
 * is refused, and says why (whether the kernel refuses it when the dump
 * starts or in its first part).
 */
TEST_F(genl, mapping_filter_port_needs_address)
{
	struct nlattr *nest;
	struct req r;

	req_start(&r, self->fam.id, NAPT_CMD_MAPPING_GET, NLM_F_DUMP);
	nest = mnl_attr_nest_start(r.nlh, NAPT_A_MAPPING);
	mnl_attr_put_u16(r.nlh, NAPT_MAP_A_INT_PORT, 80);
	mnl_attr_nest_end(r.nlh, nest);
	EXPECT_EQ(-EINVAL, req_run(self->nl, &r, NULL, NULL));
	EXPECT_STREQ("an internal port needs an internal address", r.extack);
}

TEST_F(genl, config_defaults)
{
	struct attrs at = {};
	struct req r;

	req_start(&r, self->fam.id, NAPT_CMD_CONFIG_GET, 0);
	ASSERT_EQ(0, req_run(self->nl, &r, attrs_cb, &at)) TH_LOG("%s", r.extack);
	/* A new namespace: NAPT off, every setting at its default. */
	EXPECT_EQ(NULL, at.tb[NAPT_A_WAN_IFNAME]);
	ASSERT_NE(NULL, at.tb[NAPT_A_PORT_MIN]);
	ASSERT_NE(NULL, at.tb[NAPT_A_PORT_MAX]);
	ASSERT_NE(NULL, at.tb[NAPT_A_TIMEOUT_UDP]);
	ASSERT_NE(NULL, at.tb[NAPT_A_TIMEOUT_TCP_EST]);
	ASSERT_NE(NULL, at.tb[NAPT_A_TIMEOUT_TCP_TRANS]);
	ASSERT_NE(NULL, at.tb[NAPT_A_TIMEOUT_ICMP]);
	ASSERT_NE(NULL, at.tb[NAPT_A_TIMEOUT_OTHER]);
	ASSERT_NE(NULL, at.tb[NAPT_A_MAX_MAPPINGS]);
	ASSERT_NE(NULL, at.tb[NAPT_A_MAX_PER_HOST]);
	ASSERT_NE(NULL, at.tb[NAPT_A_FILTERING]);
	EXPECT_EQ(NAPT_DEFAULT_PORT_MIN, mnl_attr_get_u16(at.tb[NAPT_A_PORT_MIN]));
	EXPECT_EQ(NAPT_DEFAULT_PORT_MAX, mnl_attr_get_u16(at.tb[NAPT_A_PORT_MAX]));
	EXPECT_EQ(NAPT_DEFAULT_TIMEOUT_UDP, mnl_attr_get_u32(at.tb[NAPT_A_TIMEOUT_UDP]));
	EXPECT_EQ(NAPT_DEFAULT_TIMEOUT_TCP_EST,
		  mnl_attr_get_u32(at.tb[NAPT_A_TIMEOUT_TCP_EST]));
	EXPECT_EQ(NAPT_DEFAULT_TIMEOUT_TCP_TRANS,
		  mnl_attr_get_u32(at.tb[NAPT_A_TIMEOUT_TCP_TRANS]));
	EXPECT_EQ(NAPT_DEFAULT_TIMEOUT_ICMP, mnl_attr_get_u32(at.tb[NAPT_A_TIMEOUT_ICMP]));
	EXPECT_EQ(NAPT_DEFAULT_TIMEOUT_OTHER, mnl_attr_get_u32(at.tb[NAPT_A_TIMEOUT_OTHER]));
	EXPECT_EQ(NAPT_DEFAULT_MAX_MAPPINGS, mnl_attr_get_u32(at.tb[NAPT_A_MAX_MAPPINGS]));
	EXPECT_EQ(NAPT_DEFAULT_MAX_PER_HOST, mnl_attr_get_u32(at.tb[NAPT_A_MAX_PER_HOST]));
	EXPECT_EQ(NAPT_FILTER_ADF, mnl_attr_get_u8(at.tb[NAPT_A_FILTERING]));
}

TEST_F(genl, wan_set_needs_existing_device)
{
	struct req r;

	req_start(&r, self->fam.id, NAPT_CMD_WAN_SET, 0);
	EXPECT_EQ(-EINVAL, req_run(self->nl, &r, NULL, NULL))
		TH_LOG("WAN_SET without an interface name");
	EXPECT_NE('\0', r.extack[0]) TH_LOG("no extended ACK message");

	req_start(&r, self->fam.id, NAPT_CMD_WAN_SET, 0);
	mnl_attr_put_strz(r.nlh, NAPT_A_WAN_IFNAME, "nosuchdev0");
	EXPECT_EQ(-ENODEV, req_run(self->nl, &r, NULL, NULL));
}

TEST_F(genl, wan_set_get_del)
{
	struct attrs at = {};
	struct req r;

	req_start(&r, self->fam.id, NAPT_CMD_WAN_DEL, 0);
	EXPECT_EQ(-ENOENT, req_run(self->nl, &r, NULL, NULL))
		TH_LOG("WAN_DEL with NAPT off");

	req_start(&r, self->fam.id, NAPT_CMD_WAN_SET, 0);
	mnl_attr_put_strz(r.nlh, NAPT_A_WAN_IFNAME, "lo");
	ASSERT_EQ(0, req_run(self->nl, &r, NULL, NULL)) TH_LOG("%s", r.extack);

	req_start(&r, self->fam.id, NAPT_CMD_CONFIG_GET, 0);
	ASSERT_EQ(0, req_run(self->nl, &r, attrs_cb, &at)) TH_LOG("%s", r.extack);
	ASSERT_NE(NULL, at.tb[NAPT_A_WAN_IFNAME]);
	EXPECT_STREQ("lo", mnl_attr_get_str(at.tb[NAPT_A_WAN_IFNAME]));
	ASSERT_NE(NULL, at.tb[NAPT_A_WAN_IFINDEX]);
	EXPECT_EQ(1, mnl_attr_get_u32(at.tb[NAPT_A_WAN_IFINDEX]));
	EXPECT_EQ(NULL, at.tb[NAPT_A_WAN_ADDR_FIXED]);

	req_start(&r, self->fam.id, NAPT_CMD_WAN_DEL, 0);
	EXPECT_EQ(0, req_run(self->nl, &r, NULL, NULL)) TH_LOG("%s", r.extack);
	req_start(&r, self->fam.id, NAPT_CMD_WAN_DEL, 0);
	EXPECT_EQ(-ENOENT, req_run(self->nl, &r, NULL, NULL));
}

TEST_HARNESS_MAIN
