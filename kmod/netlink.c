// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "napt": configuration and inspection, as
 * documented in uapi/linux/napt.h. Process context only; everything that
 * changes the configuration runs under the instance's cfg_mutex. Each
 * command has its own strict policy, so an attribute it does not take is
 * refused before a handler runs; handlers refuse the rest with an extack
 * message and change nothing.
 */
#include <net/genetlink.h>
#include <net/ip.h>
#include <linux/inetdevice.h>
#include "napt.h"

static struct genl_family napt_genl_family;

/*
 * u32 ranges too wide for NLA_POLICY_RANGE's s16 bounds; not const, as
 * 6.1's struct nla_policy points to them without const.
 */
static struct netlink_range_validation napt_timeout_range = {
	.min = 1,
	.max = NAPT_TIMEOUT_MAX,
};

static struct netlink_range_validation napt_count_range = {
	.min = 1,
	.max = NAPT_MAX_MAPPINGS_LIMIT,
};

#define NAPT_TIMEOUT_POLICY NLA_POLICY_FULL_RANGE(NLA_U32, &napt_timeout_range)
#define NAPT_COUNT_POLICY NLA_POLICY_FULL_RANGE(NLA_U32, &napt_count_range)

#define NAPT_SETTINGS_POLICY						\
	[NAPT_A_PORT_MIN] = NLA_POLICY_MIN(NLA_U16, 1),			\
	[NAPT_A_PORT_MAX] = NLA_POLICY_MIN(NLA_U16, 1),			\
	[NAPT_A_TIMEOUT_UDP] = NAPT_TIMEOUT_POLICY,			\
	[NAPT_A_TIMEOUT_TCP_EST] = NAPT_TIMEOUT_POLICY,			\
	[NAPT_A_TIMEOUT_TCP_TRANS] = NAPT_TIMEOUT_POLICY,		\
	[NAPT_A_TIMEOUT_ICMP] = NAPT_TIMEOUT_POLICY,			\
	[NAPT_A_TIMEOUT_OTHER] = NAPT_TIMEOUT_POLICY,			\
	[NAPT_A_MAX_MAPPINGS] = NAPT_COUNT_POLICY,			\
	[NAPT_A_MAX_PER_HOST] = NAPT_COUNT_POLICY,			\
	[NAPT_A_FILTERING] = NLA_POLICY_MAX(NLA_U8, NAPT_FILTER_MAX)

#define NAPT_WAN_POLICY							\
	[NAPT_A_WAN_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 }, \
	[NAPT_A_WAN_ADDR] = { .type = NLA_BE32 }

static const struct nla_policy napt_fwd_policy[NAPT_FWD_A_MAX + 1] = {
	[NAPT_FWD_A_PROTO] = { .type = NLA_U8 },
	[NAPT_FWD_A_EXT_PORT_MIN] = NLA_POLICY_MIN(NLA_U16, 1),
	[NAPT_FWD_A_EXT_PORT_MAX] = NLA_POLICY_MIN(NLA_U16, 1),
	[NAPT_FWD_A_INT_ADDR] = { .type = NLA_BE32 },
	[NAPT_FWD_A_INT_PORT_MIN] = NLA_POLICY_MIN(NLA_U16, 1),
	[NAPT_FWD_A_INT_PORT_MAX] = NLA_POLICY_MIN(NLA_U16, 1),
	[NAPT_FWD_A_FROM_ADDR] = { .type = NLA_BE32 },
	[NAPT_FWD_A_FROM_PLEN] = NLA_POLICY_MAX(NLA_U8, 32),
	[NAPT_FWD_A_DESCR] = { .type = NLA_NUL_STRING,
			       .len = NAPT_DESCR_MAX - 1 },
};

static const struct nla_policy napt_fwd_del_policy[NAPT_FWD_A_MAX + 1] = {
	[NAPT_FWD_A_PROTO] = { .type = NLA_U8 },
	[NAPT_FWD_A_EXT_PORT_MIN] = NLA_POLICY_MIN(NLA_U16, 1),
};

static const struct nla_policy napt_map_filter_policy[NAPT_MAP_A_MAX + 1] = {
	[NAPT_MAP_A_PROTO] = { .type = NLA_U8 },
	[NAPT_MAP_A_INT_ADDR] = { .type = NLA_BE32 },
	[NAPT_MAP_A_INT_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

/* Commands that take no attribute at all. */
static const struct nla_policy napt_none_policy[NAPT_A_MAX + 1] = {};

static const struct nla_policy napt_wan_set_policy[NAPT_A_MAX + 1] = {
	NAPT_WAN_POLICY,
};

static const struct nla_policy napt_config_set_policy[NAPT_A_MAX + 1] = {
	NAPT_SETTINGS_POLICY,
};

static const struct nla_policy napt_mapping_get_policy[NAPT_A_MAX + 1] = {
	[NAPT_A_MAPPING] = NLA_POLICY_NESTED(napt_map_filter_policy),
};

static const struct nla_policy napt_forward_add_policy[NAPT_A_MAX + 1] = {
	[NAPT_A_FORWARD] = NLA_POLICY_NESTED(napt_fwd_policy),
};

static const struct nla_policy napt_forward_del_policy[NAPT_A_MAX + 1] = {
	[NAPT_A_FORWARD] = NLA_POLICY_NESTED(napt_fwd_del_policy),
};

static const struct nla_policy napt_restore_policy[NAPT_A_MAX + 1] = {
	NAPT_WAN_POLICY,
	NAPT_SETTINGS_POLICY,
	[NAPT_A_FORWARD] = NLA_POLICY_NESTED(napt_fwd_policy),
};

static struct napt_net *napt_info_nn(struct genl_info *info)
{
	return napt_pernet(genl_info_net(info));
}

static const u16 napt_timeout_attr[NAPT_TO_NR] = {
	[NAPT_TO_UDP] = NAPT_A_TIMEOUT_UDP,
	[NAPT_TO_TCP_EST] = NAPT_A_TIMEOUT_TCP_EST,
	[NAPT_TO_TCP_TRANS] = NAPT_A_TIMEOUT_TCP_TRANS,
	[NAPT_TO_ICMP] = NAPT_A_TIMEOUT_ICMP,
	[NAPT_TO_OTHER] = NAPT_A_TIMEOUT_OTHER,
};

/*
 * Apply the setting attributes present in @tb to @cfg; *@any tells whether
 * there was one. The policy checked each value's range; what is left is
 * what spans attributes.
 */
static int napt_nl_settings(struct napt_net *nn, struct nlattr **tb,
			    struct napt_cfg *cfg, bool *any,
			    struct netlink_ext_ack *extack)
{
	int i, err;

	*any = false;
	if (!!tb[NAPT_A_PORT_MIN] != !!tb[NAPT_A_PORT_MAX]) {
		NL_SET_ERR_MSG(extack, "port range needs both its ends");
		return -EINVAL;
	}
	if (tb[NAPT_A_PORT_MIN]) {
		cfg->port_min = nla_get_u16(tb[NAPT_A_PORT_MIN]);
		cfg->port_max = nla_get_u16(tb[NAPT_A_PORT_MAX]);
		*any = true;
	}
	if (*any) {
		err = napt_cfg_check_ports(nn, cfg->port_min, cfg->port_max,
					   extack);
		if (err)
			return err;
	}
	for (i = 0; i < NAPT_TO_NR; i++) {
		if (tb[napt_timeout_attr[i]]) {
			cfg->timeout[i] = nla_get_u32(tb[napt_timeout_attr[i]]);
			*any = true;
		}
	}
	if (tb[NAPT_A_MAX_MAPPINGS]) {
		cfg->max_mappings = nla_get_u32(tb[NAPT_A_MAX_MAPPINGS]);
		*any = true;
	}
	if (tb[NAPT_A_MAX_PER_HOST]) {
		cfg->max_per_host = nla_get_u32(tb[NAPT_A_MAX_PER_HOST]);
		*any = true;
	}
	if (tb[NAPT_A_FILTERING]) {
		cfg->filtering = nla_get_u8(tb[NAPT_A_FILTERING]);
		*any = true;
	}
	return 0;
}

static int napt_nl_put_settings(struct sk_buff *skb,
				const struct napt_cfg *cfg)
{
	int i;

	if (nla_put_u16(skb, NAPT_A_PORT_MIN, cfg->port_min) ||
	    nla_put_u16(skb, NAPT_A_PORT_MAX, cfg->port_max) ||
	    nla_put_u32(skb, NAPT_A_MAX_MAPPINGS, cfg->max_mappings) ||
	    nla_put_u32(skb, NAPT_A_MAX_PER_HOST, cfg->max_per_host) ||
	    nla_put_u8(skb, NAPT_A_FILTERING, cfg->filtering))
		return -EMSGSIZE;
	for (i = 0; i < NAPT_TO_NR; i++)
		if (nla_put_u32(skb, napt_timeout_attr[i], cfg->timeout[i]))
			return -EMSGSIZE;
	if (!cfg->wan_on)
		return 0;
	if (nla_put_string(skb, NAPT_A_WAN_IFNAME, cfg->wan_ifname) ||
	    nla_put_u32(skb, NAPT_A_WAN_IFINDEX, cfg->wan_ifindex) ||
	    (cfg->wan_addr &&
	     nla_put_in_addr(skb, NAPT_A_WAN_ADDR, cfg->wan_addr)) ||
	    (cfg->addr_fixed && nla_put_flag(skb, NAPT_A_WAN_ADDR_FIXED)))
		return -EMSGSIZE;
	return 0;
}

/* A reply with one header; the caller adds attributes and sends it. */
static struct sk_buff *napt_nl_reply_new(struct genl_info *info, u8 cmd,
					 void **hdr)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (!msg)
		return NULL;
	*hdr = genlmsg_put_reply(msg, info, &napt_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int napt_nl_version_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = napt_nl_reply_new(info, NAPT_CMD_VERSION_GET, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, NAPT_A_VERSION, NAPT_VERSION)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* The WAN attributes of @tb into @cfg (wan_on, name, fixed address). */
static int napt_nl_wan(struct nlattr **tb, struct napt_cfg *cfg,
		       struct netlink_ext_ack *extack)
{
	cfg->wan_on = true;
	nla_strscpy(cfg->wan_ifname, tb[NAPT_A_WAN_IFNAME],
		    sizeof(cfg->wan_ifname));
	cfg->wan_addr = 0;
	cfg->addr_fixed = false;
	if (tb[NAPT_A_WAN_ADDR]) {
		cfg->wan_addr = nla_get_in_addr(tb[NAPT_A_WAN_ADDR]);
		if (!napt_addr_unicast(cfg->wan_addr)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NAPT_A_WAN_ADDR],
					    "WAN address must be a unicast address");
			return -EINVAL;
		}
		cfg->addr_fixed = true;
	}
	return 0;
}

static int napt_nl_wan_set(struct sk_buff *skb, struct genl_info *info)
{
	struct napt_cfg wan = {};
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NAPT_A_WAN_IFNAME))
		return -EINVAL;
	err = napt_nl_wan(info->attrs, &wan, info->extack);
	if (err)
		return err;
	return napt_wan_set(napt_info_nn(info), wan.wan_ifname, wan.wan_addr,
			    info->extack);
}

static int napt_nl_wan_del(struct sk_buff *skb, struct genl_info *info)
{
	return napt_wan_del(napt_info_nn(info), info->extack);
}

static int napt_nl_config_get(struct sk_buff *skb, struct genl_info *info)
{
	struct napt_net *nn = napt_info_nn(info);
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = napt_nl_reply_new(info, NAPT_CMD_CONFIG_GET, &hdr);
	if (!msg)
		return -ENOMEM;
	rcu_read_lock();
	err = napt_nl_put_settings(msg, rcu_dereference(nn->cfg));
	rcu_read_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int napt_nl_config_set(struct sk_buff *skb, struct genl_info *info)
{
	struct napt_net *nn = napt_info_nn(info);
	struct napt_cfg *cfg;
	bool any;
	int err;

	mutex_lock(&nn->cfg_mutex);
	cfg = napt_cfg_copy(nn);
	if (!cfg) {
		err = -ENOMEM;
		goto out;
	}
	err = napt_nl_settings(nn, info->attrs, cfg, &any, info->extack);
	if (!err && !any) {
		NL_SET_ERR_MSG(info->extack, "no setting given");
		err = -EINVAL;
	}
	if (err) {
		kfree(cfg);
		goto out;
	}
	napt_cfg_publish(nn, cfg);
out:
	mutex_unlock(&nn->cfg_mutex);
	return err;
}

/* A dump's state between calls, in cb->args[0]. */
struct napt_map_dump {
	struct rhashtable_iter iter;
	bool walking;			/* iter entered: the tables exist */
	__be32 addr;
	__be16 port;
	u8 proto;
	bool by_proto, by_addr, by_port;
};

static int napt_nl_mapping_start(struct netlink_callback *cb)
{
	struct napt_net *nn = napt_pernet(sock_net(cb->skb->sk));
	struct nlattr *tb[NAPT_MAP_A_MAX + 1] = {};
	struct nlattr *attrs[NAPT_A_MAX + 1];
	struct napt_map_dump *d;
	int err;

	/* Validated by the core already; parsed here the same on all kernels. */
	err = nlmsg_parse(cb->nlh, GENL_HDRLEN, attrs, NAPT_A_MAX,
			  napt_mapping_get_policy, cb->extack);
	if (err)
		return err;
	if (attrs[NAPT_A_MAPPING]) {
		err = nla_parse_nested(tb, NAPT_MAP_A_MAX, attrs[NAPT_A_MAPPING],
				       napt_map_filter_policy, cb->extack);
		if (err)
			return err;
	}
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	if (tb[NAPT_MAP_A_PROTO]) {
		d->by_proto = true;
		d->proto = nla_get_u8(tb[NAPT_MAP_A_PROTO]);
	}
	if (tb[NAPT_MAP_A_INT_ADDR]) {
		d->by_addr = true;
		d->addr = nla_get_in_addr(tb[NAPT_MAP_A_INT_ADDR]);
	}
	if (tb[NAPT_MAP_A_INT_PORT]) {
		d->by_port = true;
		d->port = htons(nla_get_u16(tb[NAPT_MAP_A_INT_PORT]));
	}
	/* Never configured: no tables, nothing to show. */
	d->walking = smp_load_acquire(&nn->tables.ready);
	if (d->walking)
		rhashtable_walk_enter(&nn->tables.int_ht, &d->iter);
	cb->args[0] = (long)d;
	return 0;
}

static int napt_nl_mapping_done(struct netlink_callback *cb)
{
	struct napt_map_dump *d = (struct napt_map_dump *)cb->args[0];

	if (d) {
		if (d->walking)
			rhashtable_walk_exit(&d->iter);
		kfree(d);
	}
	return 0;
}

static bool napt_map_dump_wants(const struct napt_map_dump *d,
				const struct napt_mapping *m)
{
	if (napt_mapping_is_static(m) || !READ_ONCE(m->nsessions))
		return false;
	return (!d->by_proto || m->ikey.proto == d->proto) &&
	       (!d->by_addr || m->ikey.addr == d->addr) &&
	       (!d->by_port || (napt_proto_keyed_by_port(m->ikey.proto) &&
				m->ikey.port == d->port));
}

static int napt_nl_put_mapping(struct sk_buff *skb,
			       struct netlink_callback *cb,
			       const struct napt_mapping *m, __be32 wan_addr)
{
	unsigned long expires = READ_ONCE(m->expires);
	u64 ms = time_after(expires, jiffies) ?
		 jiffies_to_msecs(expires - jiffies) : 0;
	bool ports = napt_proto_keyed_by_port(m->ikey.proto);
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &napt_genl_family, NLM_F_MULTI,
			  NAPT_CMD_MAPPING_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, NAPT_A_MAPPING);
	if (!nest ||
	    nla_put_u8(skb, NAPT_MAP_A_PROTO, m->ikey.proto) ||
	    nla_put_in_addr(skb, NAPT_MAP_A_INT_ADDR, m->ikey.addr) ||
	    (ports && nla_put_u16(skb, NAPT_MAP_A_INT_PORT,
				  ntohs(m->ikey.port))) ||
	    (wan_addr && nla_put_in_addr(skb, NAPT_MAP_A_EXT_ADDR, wan_addr)) ||
	    (ports && nla_put_u16(skb, NAPT_MAP_A_EXT_PORT,
				  ntohs(m->ekey.port))) ||
	    (!ports && nla_put_in_addr(skb, NAPT_MAP_A_REM_ADDR,
				       m->ikey.raddr)) ||
	    nla_put_u32(skb, NAPT_MAP_A_SESSIONS, READ_ONCE(m->nsessions)) ||
	    nla_put_u64_64bit(skb, NAPT_MAP_A_EXPIRES_MS, ms, NAPT_MAP_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * The walker survives the table's changes between calls: a mapping added
 * meanwhile may or may not show, a resize restarts the walk (an entry may
 * then show twice), a mapping gone is not shown.
 */
static int napt_nl_mapping_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct napt_map_dump *d = (struct napt_map_dump *)cb->args[0];
	struct napt_net *nn = napt_pernet(sock_net(skb->sk));
	struct napt_mapping *m;
	__be32 wan_addr;

	/*
	 * Refused here, not in the start: 6.1's netlink core gives a dump's
	 * start no extack (cb->extack is NULL), so the reason would be
	 * lost. The error and its message end the dump.
	 */
	if (d->by_port && !d->by_addr) {
		NL_SET_ERR_MSG(cb->extack,
			       "an internal port needs an internal address");
		return -EINVAL;
	}
	if (!d->walking)
		return 0;
	rhashtable_walk_start(&d->iter);
	wan_addr = rcu_dereference(nn->cfg)->wan_addr;
	m = rhashtable_walk_peek(&d->iter);
	while (m) {
		if (IS_ERR(m)) {
			if (PTR_ERR(m) != -EAGAIN)
				break;
			m = rhashtable_walk_peek(&d->iter);
			continue;
		}
		if (napt_map_dump_wants(d, m) &&
		    napt_nl_put_mapping(skb, cb, m, wan_addr))
			break;	/* full: this one comes first next time */
		m = rhashtable_walk_next(&d->iter);
	}
	rhashtable_walk_stop(&d->iter);
	return skb->len;
}

static int napt_nl_mapping_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct napt_net *nn = napt_info_nn(info);

	mutex_lock(&nn->cfg_mutex);
	napt_tables_flush(nn);
	mutex_unlock(&nn->cfg_mutex);
	return 0;
}

/* A forward from its attributes, checked whole, not yet anywhere. */
static struct napt_forward *napt_nl_forward(struct nlattr *nest,
					    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NAPT_FWD_A_MAX + 1];
	u16 ext_min, ext_max, int_min, int_max;
	__be32 int_addr, from_addr = 0;
	struct napt_forward *f;
	u8 protos, plen = 0;
	int err;

	err = nla_parse_nested(tb, NAPT_FWD_A_MAX, nest, napt_fwd_policy,
			       extack);
	if (err)
		return ERR_PTR(err);
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, NAPT_FWD_A_EXT_PORT_MIN) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, NAPT_FWD_A_INT_ADDR))
		return ERR_PTR(-EINVAL);

	ext_min = nla_get_u16(tb[NAPT_FWD_A_EXT_PORT_MIN]);
	ext_max = tb[NAPT_FWD_A_EXT_PORT_MAX] ?
		  nla_get_u16(tb[NAPT_FWD_A_EXT_PORT_MAX]) : ext_min;
	if (ext_max < ext_min) {
		NL_SET_ERR_MSG(extack, "external port range starts above its end");
		return ERR_PTR(-EINVAL);
	}
	int_min = tb[NAPT_FWD_A_INT_PORT_MIN] ?
		  nla_get_u16(tb[NAPT_FWD_A_INT_PORT_MIN]) : ext_min;
	if (tb[NAPT_FWD_A_INT_PORT_MAX]) {
		int_max = nla_get_u16(tb[NAPT_FWD_A_INT_PORT_MAX]);
		if (int_max < int_min) {
			NL_SET_ERR_MSG(extack,
				       "internal port range starts above its end");
			return ERR_PTR(-EINVAL);
		}
	} else {
		if (int_min + (ext_max - ext_min) > U16_MAX) {
			NL_SET_ERR_MSG(extack,
				       "internal port range runs past 65535");
			return ERR_PTR(-EINVAL);
		}
		int_max = int_min + (ext_max - ext_min);
	}
	if (int_max != int_min && int_max - int_min != ext_max - ext_min) {
		NL_SET_ERR_MSG(extack,
			       "internal and external port ranges differ in length");
		return ERR_PTR(-EINVAL);
	}

	int_addr = nla_get_in_addr(tb[NAPT_FWD_A_INT_ADDR]);
	if (!napt_addr_unicast(int_addr)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NAPT_FWD_A_INT_ADDR],
				    "internal address must be a unicast address");
		return ERR_PTR(-EINVAL);
	}

	protos = NAPT_FWD_TCP | NAPT_FWD_UDP;
	if (tb[NAPT_FWD_A_PROTO]) {
		switch (nla_get_u8(tb[NAPT_FWD_A_PROTO])) {
		case IPPROTO_TCP:
			protos = NAPT_FWD_TCP;
			break;
		case IPPROTO_UDP:
			protos = NAPT_FWD_UDP;
			break;
		default:
			NL_SET_ERR_MSG_ATTR(extack, tb[NAPT_FWD_A_PROTO],
					    "a forward is for TCP or UDP");
			return ERR_PTR(-EINVAL);
		}
	}

	if (!!tb[NAPT_FWD_A_FROM_ADDR] != !!tb[NAPT_FWD_A_FROM_PLEN]) {
		NL_SET_ERR_MSG(extack, "a source prefix needs address and length");
		return ERR_PTR(-EINVAL);
	}
	if (tb[NAPT_FWD_A_FROM_ADDR]) {
		from_addr = nla_get_in_addr(tb[NAPT_FWD_A_FROM_ADDR]);
		plen = nla_get_u8(tb[NAPT_FWD_A_FROM_PLEN]);
		if (from_addr & ~(plen ? inet_make_mask(plen) : 0)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NAPT_FWD_A_FROM_ADDR],
					    "source prefix has host bits set");
			return ERR_PTR(-EINVAL);
		}
	}

	f = napt_forward_new(ext_min, ext_max, int_min, int_max, protos);
	if (!f)
		return ERR_PTR(-ENOMEM);
	napt_forward_finish(f, int_addr, from_addr, plen,
			    tb[NAPT_FWD_A_DESCR] ?
			    nla_data(tb[NAPT_FWD_A_DESCR]) : NULL);
	return f;
}

static int napt_nl_forward_add(struct sk_buff *skb, struct genl_info *info)
{
	struct napt_net *nn = napt_info_nn(info);
	struct napt_forward *f;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NAPT_A_FORWARD))
		return -EINVAL;
	f = napt_nl_forward(info->attrs[NAPT_A_FORWARD], info->extack);
	if (IS_ERR(f))
		return PTR_ERR(f);
	mutex_lock(&nn->cfg_mutex);
	err = napt_forward_add(nn, f, info->extack);
	mutex_unlock(&nn->cfg_mutex);
	return err;
}

static int napt_nl_forward_del(struct sk_buff *skb, struct genl_info *info)
{
	struct napt_net *nn = napt_info_nn(info);
	struct nlattr *tb[NAPT_FWD_A_MAX + 1];
	struct nlattr *nest = info->attrs[NAPT_A_FORWARD];
	u8 protos = NAPT_FWD_TCP | NAPT_FWD_UDP;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NAPT_A_FORWARD))
		return -EINVAL;
	err = nla_parse_nested(tb, NAPT_FWD_A_MAX, nest, napt_fwd_del_policy,
			       info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, NAPT_FWD_A_EXT_PORT_MIN))
		return -EINVAL;
	if (tb[NAPT_FWD_A_PROTO]) {
		switch (nla_get_u8(tb[NAPT_FWD_A_PROTO])) {
		case IPPROTO_TCP:
			protos = NAPT_FWD_TCP;
			break;
		case IPPROTO_UDP:
			protos = NAPT_FWD_UDP;
			break;
		default:
			NL_SET_ERR_MSG_ATTR(info->extack, tb[NAPT_FWD_A_PROTO],
					    "a forward is for TCP or UDP");
			return -EINVAL;
		}
	}
	mutex_lock(&nn->cfg_mutex);
	err = napt_forward_del(nn, nla_get_u16(tb[NAPT_FWD_A_EXT_PORT_MIN]),
			       protos, info->extack);
	mutex_unlock(&nn->cfg_mutex);
	return err;
}

static int napt_nl_forward_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct napt_net *nn = napt_info_nn(info);
	int err;

	mutex_lock(&nn->cfg_mutex);
	err = napt_forward_flush(nn, info->extack);
	mutex_unlock(&nn->cfg_mutex);
	return err;
}

static int napt_nl_put_forward(struct sk_buff *skb,
			       struct netlink_callback *cb,
			       const struct napt_forward *f)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &napt_genl_family, NLM_F_MULTI,
			  NAPT_CMD_FORWARD_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, NAPT_A_FORWARD);
	if (!nest ||
	    (f->protos != (NAPT_FWD_TCP | NAPT_FWD_UDP) &&
	     nla_put_u8(skb, NAPT_FWD_A_PROTO, f->protos == NAPT_FWD_TCP ?
			IPPROTO_TCP : IPPROTO_UDP)) ||
	    nla_put_u16(skb, NAPT_FWD_A_EXT_PORT_MIN, f->ext_min) ||
	    nla_put_u16(skb, NAPT_FWD_A_EXT_PORT_MAX, f->ext_max) ||
	    nla_put_in_addr(skb, NAPT_FWD_A_INT_ADDR, f->int_addr) ||
	    nla_put_u16(skb, NAPT_FWD_A_INT_PORT_MIN, f->int_min) ||
	    nla_put_u16(skb, NAPT_FWD_A_INT_PORT_MAX, f->int_max) ||
	    (f->from_mask &&
	     (nla_put_in_addr(skb, NAPT_FWD_A_FROM_ADDR, f->from_addr) ||
	      nla_put_u8(skb, NAPT_FWD_A_FROM_PLEN, f->from_plen))) ||
	    (f->descr[0] && nla_put_string(skb, NAPT_FWD_A_DESCR, f->descr)) ||
	    nla_put_u64_64bit(skb, NAPT_FWD_A_HITS, napt_forward_hits(f),
			      NAPT_FWD_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Forwards are kept in (external port, protocols) order; a dump goes on
 * after the last one it sent (cb->args[0], plus one), so that changes
 * between calls neither repeat nor skip a forward that stays.
 */
static long napt_fwd_pos(const struct napt_forward *f)
{
	return ((long)f->ext_min << 8 | f->protos) + 1;
}

static int napt_nl_forward_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct napt_net *nn = napt_pernet(sock_net(skb->sk));
	struct napt_forward *f;

	mutex_lock(&nn->cfg_mutex);
	list_for_each_entry(f, &nn->forwards, list) {
		if (napt_fwd_pos(f) <= cb->args[0])
			continue;
		if (napt_nl_put_forward(skb, cb, f))
			break;
		cb->args[0] = napt_fwd_pos(f);
	}
	mutex_unlock(&nn->cfg_mutex);
	return skb->len;
}

static const u16 napt_stat_attr[NAPT_STAT_NR] = {
	[NAPT_STAT_XLATE_OUT] = NAPT_STATS_A_XLATE_OUT,
	[NAPT_STAT_XLATE_IN] = NAPT_STATS_A_XLATE_IN,
	[NAPT_STAT_HAIRPIN] = NAPT_STATS_A_HAIRPIN,
	[NAPT_STAT_ICMP_ERR] = NAPT_STATS_A_ICMP_ERR,
	[NAPT_STAT_DROP_NO_MAPPING] = NAPT_STATS_A_DROP_NO_MAPPING,
	[NAPT_STAT_DROP_FILTERED] = NAPT_STATS_A_DROP_FILTERED,
	[NAPT_STAT_DROP_NO_PORT] = NAPT_STATS_A_DROP_NO_PORT,
	[NAPT_STAT_DROP_TABLE_FULL] = NAPT_STATS_A_DROP_TABLE_FULL,
	[NAPT_STAT_DROP_HOST_CAP] = NAPT_STATS_A_DROP_HOST_CAP,
	[NAPT_STAT_DROP_MALFORMED] = NAPT_STATS_A_DROP_MALFORMED,
	[NAPT_STAT_DROP_UNSUPPORTED] = NAPT_STATS_A_DROP_UNSUPPORTED,
	[NAPT_STAT_DROP_NOMEM] = NAPT_STATS_A_DROP_NOMEM,
	[NAPT_STAT_MAPPINGS_CREATED] = NAPT_STATS_A_MAPPINGS_CREATED,
	[NAPT_STAT_MAPPINGS_EXPIRED] = NAPT_STATS_A_MAPPINGS_EXPIRED,
	[NAPT_STAT_FORWARD_HITS] = NAPT_STATS_A_FORWARD_HITS,
};

static int napt_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct napt_net *nn = napt_info_nn(info);
	u64 sum[NAPT_STAT_NR] = {};
	struct sk_buff *msg;
	struct nlattr *nest;
	int cpu, i;
	void *hdr;

	for_each_possible_cpu(cpu) {
		const struct napt_stats *st = per_cpu_ptr(nn->stats, cpu);

		for (i = 0; i < NAPT_STAT_NR; i++)
			sum[i] += READ_ONCE(st->cnt[i]);
	}

	msg = napt_nl_reply_new(info, NAPT_CMD_STATS_GET, &hdr);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, NAPT_A_STATS);
	if (!nest)
		goto err;
	for (i = 0; i < NAPT_STAT_NR; i++)
		if (nla_put_u64_64bit(msg, napt_stat_attr[i], sum[i],
				      NAPT_STATS_A_PAD))
			goto err;
	if (nla_put_u32(msg, NAPT_STATS_A_MAPPINGS,
			READ_ONCE(nn->tables.nmappings)) ||
	    nla_put_u32(msg, NAPT_STATS_A_SESSIONS,
			READ_ONCE(nn->tables.nsessions)))
		goto err;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* Every NAPT_A_FORWARD of the request, parsed; nothing is applied yet. */
static int napt_nl_forwards(struct genl_info *info,
			    struct napt_forward ***fwds, unsigned int *n)
{
	struct napt_forward **v, *f;
	unsigned int count = 0;
	struct nlattr *a;
	int rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem)
		if (nla_type(a) == NAPT_A_FORWARD)
			count++;
	v = kmalloc_array(count ?: 1, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	*n = 0;
	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) != NAPT_A_FORWARD)
			continue;
		f = napt_nl_forward(a, info->extack);
		if (IS_ERR(f)) {
			while ((*n)--)
				napt_forward_free(v[*n]);
			kfree(v);
			return PTR_ERR(f);
		}
		v[(*n)++] = f;
	}
	*fwds = v;
	return 0;
}

static int napt_nl_restore(struct sk_buff *skb, struct genl_info *info)
{
	struct napt_net *nn = napt_info_nn(info);
	struct napt_forward **fwds;
	struct napt_cfg *cfg;
	unsigned int n;
	bool any;
	int err;

	cfg = kmalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	napt_cfg_defaults(cfg);
	err = napt_nl_settings(nn, info->attrs, cfg, &any, info->extack);
	if (!err && info->attrs[NAPT_A_WAN_IFNAME]) {
		err = napt_nl_wan(info->attrs, cfg, info->extack);
	} else if (!err && info->attrs[NAPT_A_WAN_ADDR]) {
		NL_SET_ERR_MSG(info->extack, "a WAN address needs a WAN device");
		err = -EINVAL;
	}
	if (!err)
		err = napt_nl_forwards(info, &fwds, &n);
	if (err) {
		kfree(cfg);
		return err;
	}
	return napt_restore(nn, cfg, fwds, n, info->extack);
}

#define NAPT_OP(c, fn, pol)						\
	{								\
		.cmd = NAPT_CMD_##c,					\
		.doit = fn,						\
		.policy = pol,						\
		.maxattr = NAPT_A_MAX,					\
		.flags = GENL_ADMIN_PERM,				\
	}

static const struct genl_ops napt_genl_ops[] = {
	{
		.cmd = NAPT_CMD_VERSION_GET,
		.doit = napt_nl_version_get,
		.policy = napt_none_policy,
		.maxattr = NAPT_A_MAX,
	},
	NAPT_OP(WAN_SET, napt_nl_wan_set, napt_wan_set_policy),
	NAPT_OP(WAN_DEL, napt_nl_wan_del, napt_none_policy),
	NAPT_OP(CONFIG_GET, napt_nl_config_get, napt_none_policy),
	NAPT_OP(CONFIG_SET, napt_nl_config_set, napt_config_set_policy),
	{
		.cmd = NAPT_CMD_MAPPING_GET,
		.start = napt_nl_mapping_start,
		.dumpit = napt_nl_mapping_dump,
		.done = napt_nl_mapping_done,
		.policy = napt_mapping_get_policy,
		.maxattr = NAPT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	NAPT_OP(MAPPING_FLUSH, napt_nl_mapping_flush, napt_none_policy),
	NAPT_OP(FORWARD_ADD, napt_nl_forward_add, napt_forward_add_policy),
	NAPT_OP(FORWARD_DEL, napt_nl_forward_del, napt_forward_del_policy),
	{
		.cmd = NAPT_CMD_FORWARD_GET,
		.dumpit = napt_nl_forward_dump,
		.policy = napt_none_policy,
		.maxattr = NAPT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	NAPT_OP(FORWARD_FLUSH, napt_nl_forward_flush, napt_none_policy),
	NAPT_OP(STATS_GET, napt_nl_stats_get, napt_none_policy),
	NAPT_OP(RESTORE, napt_nl_restore, napt_restore_policy),
};

static struct genl_family napt_genl_family __ro_after_init = {
	.name = NAPT_GENL_NAME,
	.version = NAPT_GENL_VERSION,
	.maxattr = NAPT_A_MAX,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = napt_genl_ops,
	.n_ops = ARRAY_SIZE(napt_genl_ops),
};

int napt_genl_register(void)
{
	return genl_register_family(&napt_genl_family);
}

void napt_genl_unregister(void)
{
	genl_unregister_family(&napt_genl_family);
}
