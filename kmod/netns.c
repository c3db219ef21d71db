// SPDX-License-Identifier: GPL-2.0
/*
 * One napt instance per network namespace: its settings, its WAN binding,
 * its hooks, its life with the namespace.
 *
 * The WAN is held by interface name, like MASQUERADE: the address follows
 * the interface's primary IPv4 address unless set by hand; a missing
 * interface pauses NAPT until one of that name appears. When the address
 * changes, dynamic mappings are flushed; forwards stay.
 *
 * Configuration changes run in process context under nn->cfg_mutex. The
 * notifiers run under RTNL and take cfg_mutex inside it, so nothing under
 * cfg_mutex may take RTNL.
 */
#include <linux/inetdevice.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include "napt.h"

void napt_cfg_defaults(struct napt_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port_min = NAPT_DEFAULT_PORT_MIN;
	cfg->port_max = NAPT_DEFAULT_PORT_MAX;
	cfg->filtering = NAPT_FILTER_ADF;
	cfg->timeout[NAPT_TO_UDP] = NAPT_DEFAULT_TIMEOUT_UDP;
	cfg->timeout[NAPT_TO_TCP_EST] = NAPT_DEFAULT_TIMEOUT_TCP_EST;
	cfg->timeout[NAPT_TO_TCP_TRANS] = NAPT_DEFAULT_TIMEOUT_TCP_TRANS;
	cfg->timeout[NAPT_TO_ICMP] = NAPT_DEFAULT_TIMEOUT_ICMP;
	cfg->timeout[NAPT_TO_OTHER] = NAPT_DEFAULT_TIMEOUT_OTHER;
	cfg->max_mappings = NAPT_DEFAULT_MAX_MAPPINGS;
	cfg->max_per_host = NAPT_DEFAULT_MAX_PER_HOST;
}

static const struct napt_cfg *napt_cfg_locked(struct napt_net *nn)
{
	return rcu_dereference_protected(nn->cfg,
					 lockdep_is_held(&nn->cfg_mutex));
}

/* A private copy of the settings to change and publish. */
struct napt_cfg *napt_cfg_copy(struct napt_net *nn)
{
	return kmemdup(napt_cfg_locked(nn), sizeof(struct napt_cfg),
		       GFP_KERNEL);
}

void napt_cfg_publish(struct napt_net *nn, struct napt_cfg *cfg)
{
	struct napt_cfg *old;

	old = rcu_replace_pointer(nn->cfg, cfg,
				  lockdep_is_held(&nn->cfg_mutex));
	kfree_rcu(old, rcu);
}

/*
 * Dynamic ports must stay clear of the range the router's own sockets
 * take theirs from, or its connections and mappings would collide.
 */
int napt_cfg_check_ports(struct napt_net *nn, u16 lo, u16 hi,
			 struct netlink_ext_ack *extack)
{
	int llo, lhi;

	if (lo > hi) {
		NL_SET_ERR_MSG(extack, "port range starts above its end");
		return -EINVAL;
	}
	inet_get_local_port_range(nn->net, &llo, &lhi);
	if (lo <= lhi && hi >= llo) {
		NL_SET_ERR_MSG(extack,
			       "port range overlaps net.ipv4.ip_local_port_range");
		return -EINVAL;
	}
	return 0;
}

/* @dev's primary IPv4 address, or 0. Caller holds RCU (or RTNL). */
static __be32 napt_dev_addr(struct net_device *dev)
{
	const struct in_device *in_dev = __in_dev_get_rcu(dev);
	const struct in_ifaddr *ifa;

	if (!in_dev)
		return 0;
	in_dev_for_each_ifa_rcu(ifa, in_dev) {
		if (!(ifa->ifa_flags & IFA_F_SECONDARY))
			return ifa->ifa_local;
	}
	return 0;
}

/* Bind @cfg to the interface of its name, as the namespace has it now. */
static void napt_cfg_bind(struct napt_net *nn, struct napt_cfg *cfg)
{
	struct net_device *dev;

	rcu_read_lock();
	dev = dev_get_by_name_rcu(nn->net, cfg->wan_ifname);
	cfg->wan_ifindex = dev ? dev->ifindex : 0;
	if (!cfg->addr_fixed)
		cfg->wan_addr = dev ? napt_dev_addr(dev) : 0;
	rcu_read_unlock();
}

/* Publish @cfg; flush dynamic mappings if W changed. Under cfg_mutex. */
static void napt_cfg_commit_wan(struct napt_net *nn, struct napt_cfg *cfg)
{
	bool flush = napt_cfg_locked(nn)->wan_addr != cfg->wan_addr;

	napt_cfg_publish(nn, cfg);
	if (flush) {
		/* No packet may still use the old W once the flush starts. */
		synchronize_net();
		napt_tables_flush(nn);
	}
}

int napt_wan_set(struct napt_net *nn, const char *ifname, __be32 addr,
		 struct netlink_ext_ack *extack)
{
	struct napt_cfg *cfg;
	int err = 0;

	mutex_lock(&nn->cfg_mutex);
	cfg = napt_cfg_copy(nn);
	if (!cfg) {
		err = -ENOMEM;
		goto out;
	}
	cfg->wan_on = true;
	strscpy(cfg->wan_ifname, ifname, sizeof(cfg->wan_ifname));
	cfg->addr_fixed = addr != 0;
	cfg->wan_addr = addr;
	napt_cfg_bind(nn, cfg);
	if (!cfg->wan_ifindex) {
		NL_SET_ERR_MSG(extack, "no such device");
		err = -ENODEV;
		goto err_free;
	}

	if (!nn->hooks_on) {
		err = napt_tables_prepare(nn, cfg);
		if (err) {
			NL_SET_ERR_MSG(extack, "out of memory for the tables");
			goto err_free;
		}
		err = napt_hooks_register(nn);
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot register netfilter hooks");
			goto err_free;
		}
		nn->hooks_on = true;
		napt_gc_start(nn);
	}
	napt_cfg_commit_wan(nn, cfg);
	goto out;

err_free:
	kfree(cfg);
out:
	mutex_unlock(&nn->cfg_mutex);
	return err;
}

/* Turn NAPT off: hooks go, dynamic mappings go, the rest stays. */
static void napt_wan_off(struct napt_net *nn)
{
	lockdep_assert_held(&nn->cfg_mutex);
	if (!nn->hooks_on)
		return;
	napt_hooks_unregister(nn);
	nn->hooks_on = false;
	napt_gc_stop(nn);
}

int napt_wan_del(struct napt_net *nn, struct netlink_ext_ack *extack)
{
	struct napt_cfg *cfg;
	int err = 0;

	mutex_lock(&nn->cfg_mutex);
	if (!napt_cfg_locked(nn)->wan_on) {
		NL_SET_ERR_MSG(extack, "NAPT is not on");
		err = -ENOENT;
		goto out;
	}
	cfg = napt_cfg_copy(nn);
	if (!cfg) {
		err = -ENOMEM;
		goto out;
	}
	cfg->wan_on = false;
	cfg->addr_fixed = false;
	cfg->wan_addr = 0;
	cfg->wan_ifindex = 0;
	memset(cfg->wan_ifname, 0, sizeof(cfg->wan_ifname));
	napt_cfg_publish(nn, cfg);
	napt_wan_off(nn);
	/* Hooks unregistered; wait out packets still inside them. */
	synchronize_net();
	napt_tables_flush(nn);
out:
	mutex_unlock(&nn->cfg_mutex);
	return err;
}

/*
 * Replace the whole configuration: settings and WAN from @cfg (taken
 * over), forwards from @fwds (taken over). All of it or nothing: what can
 * fail is done first, what cannot is done last.
 */
int napt_restore(struct napt_net *nn, struct napt_cfg *cfg,
		 struct napt_forward **fwds, unsigned int n,
		 struct netlink_ext_ack *extack)
{
	bool hooks_now = false;
	int err;

	mutex_lock(&nn->cfg_mutex);
	err = napt_tables_prepare(nn, cfg);
	if (err) {
		NL_SET_ERR_MSG(extack, "out of memory for the tables");
		goto err_free;
	}
	if (cfg->wan_on) {
		napt_cfg_bind(nn, cfg);
		if (!cfg->wan_ifindex) {
			NL_SET_ERR_MSG(extack, "no such device");
			err = -ENODEV;
			goto err_free;
		}
		if (!nn->hooks_on) {
			err = napt_hooks_register(nn);
			if (err) {
				NL_SET_ERR_MSG(extack,
					       "cannot register netfilter hooks");
				goto err_free;
			}
			nn->hooks_on = true;
			hooks_now = true;
		}
	}

	err = napt_forwards_replace(nn, fwds, n, extack);
	fwds = NULL;
	if (err)
		goto err_hooks;

	if (cfg->wan_on) {
		napt_cfg_commit_wan(nn, cfg);
		if (hooks_now)
			napt_gc_start(nn);
	} else {
		bool was_on = nn->hooks_on;

		napt_cfg_publish(nn, cfg);
		if (was_on) {
			napt_wan_off(nn);
			synchronize_net();
			napt_tables_flush(nn);
		}
	}
	mutex_unlock(&nn->cfg_mutex);
	return 0;

err_hooks:
	if (hooks_now) {
		napt_hooks_unregister(nn);
		nn->hooks_on = false;
	}
err_free:
	mutex_unlock(&nn->cfg_mutex);
	if (fwds) {
		while (n--)
			napt_forward_free(fwds[n]);
		kfree(fwds);
	}
	kfree(cfg);
	return err;
}

bool napt_addr_unicast(__be32 addr)
{
	return !ipv4_is_zeronet(addr) && !ipv4_is_loopback(addr) &&
	       !ipv4_is_multicast(addr) && !ipv4_is_lbcast(addr);
}

/* An interface or an address changed in @net: follow the WAN. */
static void napt_wan_refresh(struct net *net)
{
	struct napt_net *nn = napt_pernet(net);
	const struct napt_cfg *old;
	struct napt_cfg *cfg;

	mutex_lock(&nn->cfg_mutex);
	old = napt_cfg_locked(nn);
	if (!old->wan_on)
		goto out;
	cfg = napt_cfg_copy(nn);
	if (!cfg)
		goto out;	/* keeps the old binding; the next event retries */
	napt_cfg_bind(nn, cfg);
	if (cfg->wan_ifindex == old->wan_ifindex &&
	    cfg->wan_addr == old->wan_addr) {
		kfree(cfg);
		goto out;
	}
	napt_cfg_commit_wan(nn, cfg);
out:
	mutex_unlock(&nn->cfg_mutex);
}

static int napt_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	switch (event) {
	case NETDEV_REGISTER:
	case NETDEV_UNREGISTER:
	case NETDEV_CHANGENAME:
		napt_wan_refresh(dev_net(dev));
		break;
	}
	return NOTIFY_DONE;
}

static int napt_inetaddr_event(struct notifier_block *nb,
			       unsigned long event, void *ptr)
{
	const struct in_ifaddr *ifa = ptr;

	if (event == NETDEV_UP || event == NETDEV_DOWN)
		napt_wan_refresh(dev_net(ifa->ifa_dev->dev));
	return NOTIFY_DONE;
}

static struct notifier_block napt_netdev_nb = {
	.notifier_call = napt_netdev_event,
};

static struct notifier_block napt_inetaddr_nb = {
	.notifier_call = napt_inetaddr_event,
};

int napt_notifiers_register(void)
{
	int err;

	err = register_netdevice_notifier(&napt_netdev_nb);
	if (err)
		return err;
	err = register_inetaddr_notifier(&napt_inetaddr_nb);
	if (err)
		unregister_netdevice_notifier(&napt_netdev_nb);
	return err;
}

void napt_notifiers_unregister(void)
{
	unregister_inetaddr_notifier(&napt_inetaddr_nb);
	unregister_netdevice_notifier(&napt_netdev_nb);
}

static int __net_init napt_net_init(struct net *net)
{
	struct napt_net *nn = napt_pernet(net);
	struct napt_cfg *cfg;
	int err = -ENOMEM;

	nn->net = net;
	mutex_init(&nn->cfg_mutex);
	INIT_LIST_HEAD(&nn->forwards);

	cfg = kmalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	napt_cfg_defaults(cfg);
	RCU_INIT_POINTER(nn->cfg, cfg);

	nn->stats = alloc_percpu(struct napt_stats);
	if (!nn->stats)
		goto err_stats;
	napt_tables_early_init(&nn->tables);
	return 0;

err_stats:
	kfree(cfg);
	return err;
}

/* Hooks go first; cleanup_net() waits for a grace period after. */
static void __net_exit napt_net_pre_exit(struct net *net)
{
	struct napt_net *nn = napt_pernet(net);

	mutex_lock(&nn->cfg_mutex);
	napt_wan_off(nn);
	mutex_unlock(&nn->cfg_mutex);
}

static void __net_exit napt_net_exit(struct net *net)
{
	struct napt_net *nn = napt_pernet(net);

	napt_tables_destroy(&nn->tables);
	napt_forwards_destroy(nn);
	free_percpu(nn->stats);
	kfree(rcu_dereference_protected(nn->cfg, true));
}

struct pernet_operations napt_net_ops = {
	.init = napt_net_init,
	.pre_exit = napt_net_pre_exit,
	.exit = napt_net_exit,
	.id = &napt_net_id,
	.size = sizeof(struct napt_net),
};
