import { describe, expect, it } from "vitest";
import { checkAddress, classifyAddress, isIpLiteral } from "../../src/core/net/address-policy.js";

describe("the address policy of downloads", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["172.32.0.1", "public"],
    ["100.128.0.1", "public"],
    ["2606:4700::1111", "public"],
    ["::ffff:8.8.8.8", "public"],
    ["64:ff9b::808:808", "public"],
    ["2002:808:808::1", "public"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["64:ff9b::7f00:1", "loopback"],
    ["2002:7f00:1::", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["fc00::1", "private"],
    ["fd12::1", "private"],
    ["fec0::1", "private"],
    ["64:ff9b:1::808:808", "private"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["::ffff:169.254.169.254", "link-local"],
    ["::ffff:a9fe:a9fe", "link-local"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["255.255.255.255", "broadcast"],
    ["192.0.2.1", "reserved"],
    ["198.51.100.3", "reserved"],
    ["203.0.113.9", "reserved"],
    ["198.18.0.1", "reserved"],
    ["240.0.0.1", "reserved"],
    ["2001:db8::1", "reserved"],
    ["3fff::1", "reserved"],
    ["2001::1", "reserved"],
    ["::7f00:1", "reserved"],
    ["::127.0.0.1", "reserved"],
    ["::ffff:0:7f00:1", "reserved"],
    ["fe80::1%eth0", "invalid"],
    ["0x7f.1", "invalid"],
    ["2130706433", "invalid"],
    ["example.com", "invalid"],
  ])("%s is %s", (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it("allows public addresses, and loopback only when asked and only in its plain and mapped forms", () => {
    expect(checkAddress("8.8.8.8", { allowLoopback: false })).toEqual({ allowed: true, class: "public" });
    expect(checkAddress("127.0.0.1", { allowLoopback: false }).allowed).toBe(false);
    for (const loopback of ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"]) {
      expect(checkAddress(loopback, { allowLoopback: true }).allowed, loopback).toBe(true);
    }
    for (const other of ["64:ff9b::7f00:1", "2002:7f00:1::", "::127.0.0.1", "10.0.0.1", "169.254.169.254"]) {
      expect(checkAddress(other, { allowLoopback: true }).allowed, other).toBe(false);
    }
  });

  it("recognises IP literals", () => {
    expect(isIpLiteral("[::1]")).toBe(true);
    expect(isIpLiteral("10.0.0.1")).toBe(true);
    expect(isIpLiteral("files.example.com")).toBe(false);
  });
});
