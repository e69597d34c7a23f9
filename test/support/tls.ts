import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A throw-away certificate authority and a server certificate it signed, as PEM text. */
export interface TestPki {
  /** The CA certificate: what a client trusts (`connect.ca`). */
  ca: string;
  /** The server's private key and certificate. */
  key: string;
  cert: string;
}

/**
 * Makes a certificate authority and a server certificate for `names` (DNS names and IP addresses) with the
 * system's `openssl` (Debian's package, on every machine of this project), valid for one day, in a
 * temporary folder removed at once. Nothing is kept or trusted beyond the test that asks for it.
 */
export function createTestPki(names: readonly string[]): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "hrflow-test-pki-"));
  const openssl = (...args: string[]): void => {
    execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  };
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "1",
      "-subj",
      "/CN=hrflow-connectors test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    openssl(
      "req",
      ...ec,
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      `/CN=${names[0] ?? "localhost"}`,
    );
    const alt = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
    writeFileSync(
      join(dir, "ext.cnf"),
      [
        `subjectAltName=${alt}`,
        "basicConstraints=CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=serverAuth",
      ].join("\n"),
    );
    openssl(
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.crt",
      "-days",
      "1",
      "-extfile",
      "ext.cnf",
    );
    const read = (name: string): string => readFileSync(join(dir, name), "utf8");
    return { ca: read("ca.crt"), key: read("server.key"), cert: read("server.crt") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
