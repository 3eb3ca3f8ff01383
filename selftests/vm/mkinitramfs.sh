#!/bin/bash
# mkinitramfs.sh - build (or reuse from cache) the test VM's initramfs for one
# kernel and print its path. Contents: busybox-static applets, host binaries
# the guest tests need (ip, tc, ss, tcpdump, bash, ethtool, ...) with their
# shared libraries (ldd) at the host paths, glibc for dynamic test binaries,
# the kernel's test modules (deps resolved via modules.dep, decompressed, a
# fresh modules.dep for guest modprobe) and the guest /init (selftests/vm/init).
# Cached under .cache/initramfs/ by a hash of everything that goes in.
#
# Usage: mkinitramfs.sh KERNEL_DIR        (KERNEL_DIR from get-kernel.sh)
# Env:   XTCP_VM_MODULES      extra kernel modules to include and load
#        XTCP_VM_EXTRA_BINS   extra host binaries to include
#        XTCP_VM_COMPRESS     none (default: fastest to boot under TCG) or gzip
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KD=${1:?usage: mkinitramfs.sh KERNEL_DIR}
KD=$(cd "$KD" && pwd)
# shellcheck source=/dev/null
source "$KD/kernel.env"
MODSRC=$KD/lib/modules/$KVER

# Modules loaded at boot (skipped when built in or absent).
LOAD_MODULES=(virtio_pci 9pnet_virtio 9p veth sch_netem sch_ingress cls_u32
	act_pedit act_csum tun)
read -ra extra <<<"${XTCP_VM_MODULES:-}"
LOAD_MODULES+=("${extra[@]}")
# Extra modules included for on-demand use (modprobe / kernel autoload).
EXTRA_MODULES=(dummy ifb macvlan bridge sch_tbf sch_prio sch_htb sch_fq
	sch_fq_codel sch_pfifo_fast cls_matchall cls_flower cls_basic cls_fw
	act_mirred act_gact act_skbedit inet_diag tcp_diag udp_diag raw_diag
	virtio_rng virtio_console
	# netpath.sh: iptables (legacy) counters, DSCP marks and NAT; IPsec
	# policies (ip xfrm)
	ip_tables iptable_filter iptable_mangle iptable_nat nf_conntrack nf_nat
	xt_MASQUERADE xt_DSCP xt_dscp xt_tcpudp xt_conntrack xfrm_user)
BINS=(bash ip tc ss nstat bridge tcpdump ethtool strace iptables-legacy)
read -ra extra <<<"${XTCP_VM_EXTRA_BINS:-}"
BINS+=("${extra[@]}")
BASE_LIBS=(libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1
	libresolv.so.2 libgcc_s.so.1 libutil.so.1 libcrypt.so.1 libz.so.1)
LIBDIR=/lib/x86_64-linux-gnu

# --- resolve module files (name -> path relative to MODSRC), deps first ---
declare -A DEP=() SEEN=()
ORDER=()
if [[ -f $MODSRC/modules.dep ]]; then
	while IFS=: read -r m deps; do
		n=${m##*/}; n=${n%%.ko*}; n=${n//-/_}
		DEP[$n]="$m:$deps"
	done <"$MODSRC/modules.dep"
fi
# softdep "pre:" modules (e.g. libcrc32c needs a crc32c provider); names may
# be aliases: prefer the *_generic implementation (works on any vCPU model).
declare -A SOFT=()
if [[ -f $MODSRC/modules.softdep ]]; then
	while read -r _ m rest; do
		rest=${rest#pre: }; SOFT[${m//-/_}]=${rest%%post:*}
	done < <(grep '^softdep .* pre:' "$MODSRC/modules.softdep")
fi
resolve() { # resolve NAME-or-alias -> module name
	local n=${1//-/_} a
	if [[ -n ${DEP[$n]:-} || ! -f $MODSRC/modules.alias ]]; then echo "$n"; return; fi
	a=$(awk -v n="$1" '$1 == "alias" && $2 == n {print $3}' "$MODSRC/modules.alias" |
		sort | awk '/_generic$/ {g = $0} NR == 1 {f = $0} END {print (g ? g : f)}')
	echo "${a:-$n}"
}
visit() { # visit NAME: append NAME's deps then NAME to ORDER
	local n=${1//-/_} d
	[[ -n ${SEEN[$n]:-} ]] && return
	SEEN[$n]=1
	[[ -n ${DEP[$n]:-} ]] || return 0
	for d in ${SOFT[$n]:-}; do visit "$(resolve "$d")"; done
	for d in ${DEP[$n]#*:}; do
		d=${d##*/}; visit "${d%%.ko*}"
	done
	ORDER+=("$n")
}
for n in "${LOAD_MODULES[@]}"; do visit "$n"; done
NLOAD=${#ORDER[@]}
for n in "${EXTRA_MODULES[@]}"; do visit "$n"; done

# --- resolve binaries and libraries ---
FILES=()
for b in "${BINS[@]}"; do
	p=$(command -v "$b" 2>/dev/null) || { log "note: $b not on host, skipped"; continue; }
	FILES+=("$p")
done
# nginx for selftests/nginx.sh, where fetch-nginx.sh unpacked it
[[ -x $CACHE/nginx/usr/sbin/nginx ]] && FILES+=("$CACHE/nginx/usr/sbin/nginx")
TCPLUG=$LIBDIR/tc
[[ -d $TCPLUG ]] && FILES+=("$TCPLUG"/*)
# iptables loads its matches and targets with dlopen() (ldd does not see
# them): the ones the tests use
XTLIB=$LIBDIR/xtables
for x in libxt_standard libxt_DSCP libxt_dscp libxt_MASQUERADE libxt_tcp \
	 libxt_udp libxt_conntrack libxt_mark libxt_MARK libipt_icmp; do
	[[ -e $XTLIB/$x.so ]] && FILES+=("$XTLIB/$x.so")
done
for l in "${BASE_LIBS[@]}"; do [[ -e $LIBDIR/$l ]] && FILES+=("$LIBDIR/$l"); done
FILES+=(/lib64/ld-linux-x86-64.so.2)
mapfile -t LIBS < <(for f in "${FILES[@]}"; do ldd "$f" 2>/dev/null || true; done |
	awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)

# --- cache key ---
HASH=$( {
	cat "$0" "$VMDIR/init" "$KD/kernel.env"
	echo "${LOAD_MODULES[*]} / ${EXTRA_MODULES[*]} / ${XTCP_VM_COMPRESS:-none}"
	for n in "${ORDER[@]}"; do echo "${DEP[$n]%%:*}"; done
	ls -lL /bin/busybox "${FILES[@]}" "${LIBS[@]}" 2>/dev/null
} | sha256sum | cut -c1-16)
OUT=$CACHE/initramfs/$KVER-$HASH.cpio
[[ ${XTCP_VM_COMPRESS:-none} == gzip ]] && OUT+=.gz
if [[ -f $OUT ]]; then echo "$OUT"; exit 0; fi

mkdir -p "$CACHE/initramfs"
R=$(mktemp -d "$CACHE/initramfs/.root.XXXXXX")
trap 'rm -rf "$R"' EXIT

# merged-/usr layout like the host, so binaries keep their paths
mkdir -p "$R"/usr/{bin,sbin,lib,lib64} "$R"/{dev,proc,sys,tmp,run,root,etc,mnt,var}
ln -s usr/bin "$R/bin"; ln -s usr/sbin "$R/sbin"
ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"
ln -s ../run "$R/var/run"
mkdir -p "$R/usr/lib/x86_64-linux-gnu"

cp /bin/busybox "$R/usr/bin/busybox"
for f in "${FILES[@]}" "${LIBS[@]}"; do
	mkdir -p "$R$(dirname "$f")"
	cp -L "$f" "$R$f"
done
# busybox applets for everything not provided by a real binary
while read -r a; do
	[[ -e $R/$a || -L $R/$a ]] || ln -s /usr/bin/busybox "$R/$a"
done < <(/bin/busybox --list-full)

# /etc: tcpdump drops privileges to user "tcpdump": map it to uid 0 so it
# can write pcaps anywhere; the rest is what glibc/iproute2 look for.
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
tcpdump:x:0:0:tcpdump:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
printf 'root:x:0:\ntcpdump:x:0:\nnogroup:x:65534:\n' >"$R/etc/group"
printf '127.0.0.1 localhost xtcp-vm\n::1 localhost ip6-localhost\n' >"$R/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files\n' >"$R/etc/nsswitch.conf"
for f in /etc/protocols /etc/services; do [[ -f $f ]] && cp "$f" "$R$f"; done
[[ -d /etc/iproute2 ]] && cp -r /etc/iproute2 "$R/etc/"

# kernel modules (decompressed: busybox insmod can't read .ko.xz/.ko.zst)
MD=$R/lib/modules/$KVER
mkdir -p "$MD" "$R/etc/xtcp-vm"
: >"$R/etc/xtcp-vm/modules.load"
for i in "${!ORDER[@]}"; do
	rel=${DEP[${ORDER[$i]}]%%:*}
	dst=$MD/${rel%.xz}; dst=${dst%.zst}; dst=${dst%.gz}
	mkdir -p "$(dirname "$dst")"
	case $rel in
	*.xz) xz -dc "$MODSRC/$rel" >"$dst" ;;
	*.zst) zstd -qdc "$MODSRC/$rel" >"$dst" ;;
	*.gz) gzip -dc "$MODSRC/$rel" >"$dst" ;;
	*) cp "$MODSRC/$rel" "$dst" ;;
	esac
	[[ $i -lt $NLOAD ]] && echo "/lib/modules/$KVER/${dst#"$MD"/}" >>"$R/etc/xtcp-vm/modules.load"
done
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[[ -f $MODSRC/$f ]] && cp "$MODSRC/$f" "$MD/"
done
/sbin/depmod -b "$R" "$KVER" 2>/dev/null || log "warning: depmod failed for the initramfs"
echo "$KVER" >"$R/etc/xtcp-vm/kver"

install -m 755 "$VMDIR/init" "$R/init"

tmp=$OUT.tmp.$$
if [[ ${XTCP_VM_COMPRESS:-none} == gzip ]]; then
	(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$tmp"
else
	(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$tmp"
fi
mv "$tmp" "$OUT"
log "built $OUT ($(du -h "$OUT" | cut -f1), ${#ORDER[@]} modules, $NLOAD loaded at boot)"
echo "$OUT"
