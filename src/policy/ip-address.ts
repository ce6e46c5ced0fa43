// IpAddress / NotIpAddress (IAM User Guide, "IP address condition operators"): the request's
// address against an address or CIDR block, IPv4 or IPv6. Written here because the policy engine
// runs in browsers too, where Node's net.BlockList is not available.

interface Address {
  bits: 32 | 128;
  value: bigint;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => (n << 8n) | BigInt(p), 0n);
}

function parseIpv6(text: string): bigint | undefined {
  let groupsText = text;
  if (text.includes('.')) { // an embedded IPv4 address (::ffff:192.0.2.1) stands for the last two groups
    const lastColon = text.lastIndexOf(':');
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    groupsText = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = groupsText.split('::');
  if (halves.length > 2) return undefined;
  const read = (half: string) => (half === '' ? [] : half.split(':'));
  const head = read(halves[0]!);
  const rest = halves.length === 2 ? read(halves[1]!) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const known = head.length + rest.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const groups = [...head, ...Array<string>(8 - known).fill('0'), ...rest];
  return groups.reduce((n, g) => (n << 16n) | BigInt(`0x${g}`), 0n);
}

function parseAddress(text: string): Address | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { bits: 128, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { bits: 32, value };
}

/** Whether `address` lies in `block` ("203.0.113.0/24", "2001:db8::/32", or one address); false if either is malformed. */
export function addressInBlock(block: string, address: string): boolean {
  const [base, prefixText, extra] = block.trim().split('/');
  if (extra !== undefined) return false;
  const network = parseAddress(base!);
  const candidate = parseAddress(address.trim());
  if (!network || !candidate || network.bits !== candidate.bits) return false;
  const prefix = prefixText === undefined ? network.bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= network.bits)) return false;
  const shift = BigInt(network.bits - prefix);
  return network.value >> shift === candidate.value >> shift;
}
