import ipaddr from "ipaddr.js";

/**
 * Which network addresses a download from a URL found in a profile may reach. The rule is an allow-list:
 * only globally routable unicast addresses are reachable. Everything else is refused: loopback, private
 * (RFC 1918, CGNAT 100.64/10, IPv6 unique-local fc00::/7, deprecated site-local fec0::/10), link-local
 * (169.254/16 where cloud metadata services live, fe80::/10), multicast, unspecified, broadcast, reserved,
 * benchmarking and documentation ranges, and the IPv6 special-purpose blocks.
 *
 * IPv6 forms that carry an IPv4 address are judged by that address: IPv4-mapped (`::ffff:a.b.c.d`, in dotted
 * or hex form), NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`) are reachable only when the IPv4 address
 * inside is; IPv4-compatible (`::a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`), local-use NAT64
 * (`64:ff9b:1::/48`) and Teredo (`2001::/32`) are refused outright.
 *
 * Range classification comes from ipaddr.js (its `range()` names); this module adds the embedded forms.
 */

/** Why an address is refused (or `public` when it is not). */
export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "multicast"
  | "unspecified"
  | "broadcast"
  | "reserved"
  | "invalid";

/** The verdict on one address. */
export type AddressVerdict = { allowed: true; class: AddressClass } | { allowed: false; class: AddressClass };

const IPV4_CLASS: Readonly<Record<string, AddressClass>> = {
  unicast: "public",
  loopback: "loopback",
  private: "private",
  carrierGradeNat: "private",
  linkLocal: "link-local",
  multicast: "multicast",
  unspecified: "unspecified",
  broadcast: "broadcast",
};

const IPV6_CLASS: Readonly<Record<string, AddressClass>> = {
  unicast: "public",
  loopback: "loopback",
  uniqueLocal: "private",
  deprecatedSiteLocal: "private",
  linkLocal: "link-local",
  multicast: "multicast",
  unspecified: "unspecified",
};

function classifyV4(address: ipaddr.IPv4): AddressClass {
  return IPV4_CLASS[address.range()] ?? "reserved";
}

/** The IPv4 address inside the 32 bits starting at `word` (16-bit words of the IPv6 address). */
function embeddedV4(parts: readonly number[], word: number): ipaddr.IPv4 {
  const high = parts[word] ?? 0;
  const low = parts[word + 1] ?? 0;
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function classifyV6(address: ipaddr.IPv6): AddressClass {
  const parts = address.parts;
  const range = address.range();
  switch (range) {
    // ::ffff:a.b.c.d (either notation): the connection goes to the IPv4 address.
    case "ipv4Mapped":
      return classifyV4(address.toIPv4Address());
    // NAT64 well-known prefix: a gateway connects to the IPv4 address on our behalf.
    case "rfc6052":
      return parts[2] === 0 ? classifyV4(embeddedV4(parts, 6)) : "private";
    // 6to4: the IPv4 address of the site is in bits 16 to 47.
    case "6to4":
      return classifyV4(embeddedV4(parts, 1));
    default:
      break;
  }
  // IPv4-compatible ::a.b.c.d (deprecated; the first 96 bits are zero): never a CV host.
  if (range === "unicast" && parts.slice(0, 6).every((part) => part === 0)) return "reserved";
  return IPV6_CLASS[range] ?? "reserved";
}

/**
 * Parses an address the way the connection will read it. IPv6 text goes through the WHATWG URL parser
 * first: ipaddr.js reads the deprecated `::a.b.c.d` as IPv4-mapped, while a socket connects to it as
 * IPv4-compatible `::7f00:1`; judging one and connecting to the other would be a hole. Zone ids (`%eth0`)
 * are not accepted. IPv4 must be four decimal parts (a resolver never answers `0x7f.1` or `2130706433`,
 * and URLs have normalised those already).
 */
function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.replace(/^\[|\]$/g, "");
  if (bare.includes(":")) {
    let canonical: string;
    try {
      canonical = new URL(`http://[${bare}]/`).hostname.replace(/^\[|\]$/g, "");
    } catch {
      return undefined;
    }
    return ipaddr.IPv6.isValid(canonical) ? ipaddr.IPv6.parse(canonical) : undefined;
  }
  return ipaddr.IPv4.isValidFourPartDecimal(bare) ? ipaddr.IPv4.parse(bare) : undefined;
}

/** The class of a textual IP address (IPv4, or IPv6 with or without brackets). */
export function classifyAddress(text: string): AddressClass {
  const address = parseAddress(text);
  if (!address) return "invalid";
  return address instanceof ipaddr.IPv6 ? classifyV6(address) : classifyV4(address);
}

/**
 * Whether an address may be reached. `allowLoopback` (the sandbox) admits 127.0.0.0/8, `::1` and their
 * IPv4-mapped forms (`::ffff:127.0.0.1`), and nothing else: link-local and private ranges stay refused,
 * and so do NAT64 or 6to4 forms that embed 127/8 (they would reach another machine's loopback).
 */
export function checkAddress(text: string, options: { allowLoopback: boolean }): AddressVerdict {
  const address = parseAddress(text);
  if (!address) return { allowed: false, class: "invalid" };
  const kind = address instanceof ipaddr.IPv6 ? classifyV6(address) : classifyV4(address);
  if (kind === "public") return { allowed: true, class: kind };
  const plainLoopback =
    !(address instanceof ipaddr.IPv6) || address.range() === "loopback" || address.range() === "ipv4Mapped";
  if (kind === "loopback" && options.allowLoopback && plainLoopback) return { allowed: true, class: kind };
  return { allowed: false, class: kind };
}

/** True when the text is an IP address literal (IPv4 dotted, or IPv6 with or without brackets). */
export function isIpLiteral(text: string): boolean {
  return parseAddress(text) !== undefined;
}
