// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - module entry and exit: registers the per-namespace state, the
 * socket type (AF_INET, SOCK_STREAM, IPPROTO_XTCP) and the IP protocol
 * handler, and undoes it all in reverse on unload.
 *
 * Order matters (Documentation/xtcp-locking.rst, "Lifetimes"): the pernet
 * subsystem exists before any packet or socket can reach per-namespace
 * state, and goes after the last one can. Every xtcp socket holds a
 * reference on this module (sk_alloc() takes one through xtcp_prot.owner),
 * so rmmod is refused while any socket, orphaned ones included, exists.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <net/protocol.h>
#include <net/inet_common.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "fault.h"
#include "request.h"
#include "uapi/linux/xtcp.h"

static int protocol = IPPROTO_XTCP;
module_param(protocol, int, 0444);
MODULE_PARM_DESC(protocol,
		 "IP protocol number to register (default 253; RFC 3692 experimental numbers are 253 and 254)");

unsigned int xtcp_net_id __read_mostly;

static int __net_init xtcp_net_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	int err;

	atomic_set(&xn->orphans, 0);
	atomic_set(&xn->tw_count, 0);
	err = xtcp_sysctl_init_net(net);
	if (err)
		return err;
	err = xtcp_proc_init_net(net);
	if (err)
		xtcp_sysctl_exit_net(net);
	return err;
}

static void __net_exit xtcp_net_exit(struct net *net)
{
	xtcp_purge_net(net);
	xtcp_proc_exit_net(net);
	xtcp_sysctl_exit_net(net);
}

static struct pernet_operations xtcp_net_ops = {
	.init = xtcp_net_init,
	.exit = xtcp_net_exit,
	.id = &xtcp_net_id,
	.size = sizeof(struct xtcp_net),
};

static struct net_protocol xtcp_net_protocol = {
	.handler = xtcp_v4_rcv,
	.err_handler = xtcp_v4_err,
	.no_policy = 1,
};

static struct inet_protosw xtcp_protosw = {
	.type = SOCK_STREAM,
	.prot = &xtcp_prot,
	.ops = &xtcp_stream_ops,
	.flags = 0,
};

static void xtcp_build_checks(void)
{
	/* proto/fsm.h must number states exactly as tcp_states.h does. */
	BUILD_BUG_ON((int)XTCP_ESTABLISHED != TCP_ESTABLISHED);
	BUILD_BUG_ON((int)XTCP_SYN_SENT != TCP_SYN_SENT);
	BUILD_BUG_ON((int)XTCP_SYN_RECV != TCP_SYN_RECV);
	BUILD_BUG_ON((int)XTCP_FIN_WAIT1 != TCP_FIN_WAIT1);
	BUILD_BUG_ON((int)XTCP_FIN_WAIT2 != TCP_FIN_WAIT2);
	BUILD_BUG_ON((int)XTCP_TIME_WAIT != TCP_TIME_WAIT);
	BUILD_BUG_ON((int)XTCP_CLOSE != TCP_CLOSE);
	BUILD_BUG_ON((int)XTCP_CLOSE_WAIT != TCP_CLOSE_WAIT);
	BUILD_BUG_ON((int)XTCP_LAST_ACK != TCP_LAST_ACK);
	BUILD_BUG_ON((int)XTCP_LISTEN != TCP_LISTEN);
	BUILD_BUG_ON((int)XTCP_CLOSING != TCP_CLOSING);
	/* The wire header is TCP's, bit for bit (RFC 9293 §3.1). */
	BUILD_BUG_ON(sizeof(struct tcphdr) != XTCP_HEADER_MIN);
	BUILD_BUG_ON(sizeof(struct xtcp_skb_cb) > sizeof_field(struct sk_buff, cb));
	/* IP's control block must fit the part xtcp_clear_ip_cb() clears. */
	BUILD_BUG_ON(sizeof(struct inet_skb_parm) > sizeof(union xtcp_ip_cb));
	BUILD_BUG_ON(sizeof(struct inet6_skb_parm) > sizeof(union xtcp_ip_cb));
	BUILD_BUG_ON(ARRAY_SIZE(xtcp_mib_names) != XTCP_MIB_MAX);
}

static int __init xtcp_init(void)
{
	int err;

	xtcp_build_checks();
	/* inet_protos[] has MAX_INET_PROTOS (256) slots; 6 is TCP's. */
	if (protocol <= 0 || protocol >= MAX_INET_PROTOS ||
	    protocol == IPPROTO_TCP) {
		pr_err("xtcp: protocol=%d is not a usable IP protocol number\n",
		       protocol);
		return -EINVAL;
	}
	xtcp_protosw.protocol = protocol;

	err = xtcp_hash_init();
	if (err)
		return err;
	err = xtcp_request_init();
	if (err)
		goto out_hash;
	err = proto_register(&xtcp_prot, 1);
	if (err)
		goto out_request;
	err = register_pernet_subsys(&xtcp_net_ops);
	if (err)
		goto out_proto;
	err = xtcp_v4_offload_init(protocol);
	if (err) {
		pr_err("xtcp: IP protocol %d has an offload already\n",
		       protocol);
		goto out_pernet;
	}
	if (inet_add_protocol(&xtcp_net_protocol, protocol) < 0) {
		pr_err("xtcp: IP protocol %d is already taken\n", protocol);
		err = -EBUSY;
		goto out_offload;
	}
	inet_register_protosw(&xtcp_protosw);
	xtcp_fault_init();
	pr_info("xtcp: registered as IP protocol %d\n", protocol);
	return 0;

out_offload:
	xtcp_v4_offload_exit(protocol);
out_pernet:
	unregister_pernet_subsys(&xtcp_net_ops);
out_proto:
	proto_unregister(&xtcp_prot);
out_request:
	xtcp_request_exit();
out_hash:
	xtcp_hash_exit();
	return err;
}

static void __exit xtcp_exit(void)
{
	xtcp_fault_exit();
	inet_unregister_protosw(&xtcp_protosw);
	/* inet_del_protocol() waits for handlers in flight (synchronize_net) */
	inet_del_protocol(&xtcp_net_protocol, protocol);
	xtcp_v4_offload_exit(protocol);
	unregister_pernet_subsys(&xtcp_net_ops);
	proto_unregister(&xtcp_prot);
	xtcp_request_exit();
	xtcp_hash_exit();
}

module_init(xtcp_init);
module_exit(xtcp_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The xtcp developers");
MODULE_DESCRIPTION("xtcp: an alternative TCP over IP protocol 253 (RFC 3692 experimental)");
MODULE_ALIAS("net-pf-" __stringify(PF_INET) "-proto-253-type-" __stringify(SOCK_STREAM));
