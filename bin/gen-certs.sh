#!/usr/bin/env bash
# Makes a development certificate authority and certificates for the local cluster, with openssl:
#   ca.crt/ca.key          the CA every server and client trusts (ca-file, --tls-ca)
#   node1..nodeN.crt/.key  each server's certificate, naming raft://<cluster>/node/<id> (and
#                          127.0.0.1 / localhost, for browsers on the HTTPS port)
#   client.crt/.key        an ordinary client (proposals and queries)
#   admin.crt/.key         an operator: raft://<cluster>/admin (membership, transfer, snapshots)
# Keys are EC P-256, unencrypted PKCS#8 (protect them by their file mode). For development and
# tests only: in production, issue certificates from your own CA with the same URIs.
#
#   bin/gen-certs.sh [--dir conf/tls/certs] [--cluster local] [--nodes 6] [--days 365] [--force]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/conf/tls/certs" cluster=local nodes=6 days=365 force=false
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="${2:?--dir needs a value}"; shift 2 ;;
    --cluster) cluster="${2:?--cluster needs a value}"; shift 2 ;;
    --nodes) nodes="${2:?--nodes needs a value}"; shift 2 ;;
    --days) days="${2:?--days needs a value}"; shift 2 ;;
    --force) force=true; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "gen-certs: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
command -v openssl >/dev/null 2>&1 || { echo "gen-certs: needs openssl on the PATH" >&2; exit 1; }
[[ "$nodes" =~ ^[1-9][0-9]*$ ]] || { echo "gen-certs: --nodes must be a positive number" >&2; exit 2; }
[[ "$days" =~ ^[1-9][0-9]*$ ]] || { echo "gen-certs: --days must be a positive number" >&2; exit 2; }
if [ -f "$dir/ca.crt" ] && ! $force; then
  echo "gen-certs: $dir/ca.crt exists; keeping it (--force makes a new set)" >&2
  exit 0
fi
mkdir -p "$dir"
umask 077
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key "$dir/ca.key"
openssl req -x509 -new -key "$dir/ca.key" -sha256 -days "$days" -subj "/CN=raft $cluster development CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out "$dir/ca.crt" 2>/dev/null

issue() { # name CN subjectAltName
  key "$dir/$1.key"
  openssl req -new -key "$dir/$1.key" -subj "/CN=$2" -out "$tmp/$1.csr" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$3" > "$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days "$days" -sha256 -extfile "$tmp/$1.ext" -out "$dir/$1.crt" 2>/dev/null
}

for i in $(seq 1 "$nodes"); do
  issue "node$i" "raft node $i" "URI:raft://$cluster/node/$i,IP:127.0.0.1,DNS:localhost"
done
issue client "raft client" "URI:raft://$cluster/client/dev"
issue admin "raft admin" "URI:raft://$cluster/admin"
rm -f "$dir/ca.srl"
chmod 644 "$dir"/*.crt
echo "gen-certs: CA and certificates for cluster '$cluster' (nodes 1..$nodes, client, admin) in $dir"
