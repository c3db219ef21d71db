/* SPDX-License-Identifier: GPL-2.0 */
/* What differs between the kernels napt supports (6.1 to 6.12). */
#ifndef _NAPT_COMPAT_H
#define _NAPT_COMPAT_H

#include <linux/version.h>
#include <linux/netlink.h>
#include <net/genetlink.h>

/*
 * Formatted extack messages exist from 6.2; before, @plain says the same
 * without the details.
 */
#ifdef NL_SET_ERR_MSG_FMT
#define NAPT_ERR_FMT(extack, plain, fmt, ...) \
	NL_SET_ERR_MSG_FMT(extack, fmt, ##__VA_ARGS__)
#else
#define NAPT_ERR_FMT(extack, plain, fmt, ...) NL_SET_ERR_MSG(extack, plain)
#endif

/* 6.2 moved the dump's parsed attributes into a struct genl_info. */
static inline struct nlattr **napt_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _NAPT_COMPAT_H */
