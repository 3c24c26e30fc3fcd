// The object-storage sinks' directory on the standalone hosts (EDGEBROKER_ARCHIVE_DIR,
// docs/configuration.md): read as given, and refused when it is tiered storage's directory.
import { describe, expect, it } from "vitest";
import { brokerConfig, ConfigError } from "./config.ts";

const config = (vars: Record<string, string>) => brokerConfig((name) => vars[name]);

describe("archive directory setting", () => {
  it("is unset by default and read as given", () => {
    expect(config({}).archiveDir).toBeUndefined();
    expect(config({ EDGEBROKER_ARCHIVE_DIR: "/var/archive" }).archiveDir).toBe("/var/archive");
    expect(config({ EDGEBROKER_ARCHIVE_DIR: "/var/archive", EDGEBROKER_TIERED_DIR: "/var/tiered" }).archiveDir).toBe("/var/archive");
  });

  it("refuses tiered storage's directory, naming both settings", () => {
    for (const [archive, tiered] of [
      ["/var/x", "/var/x"],
      ["/var/x/", "/var/x"],
    ]) {
      const vars = { EDGEBROKER_ARCHIVE_DIR: archive!, EDGEBROKER_TIERED_DIR: tiered! };
      expect(() => config(vars)).toThrow(ConfigError);
      expect(() => config(vars)).toThrow(/EDGEBROKER_ARCHIVE_DIR and EDGEBROKER_TIERED_DIR/);
    }
  });
});
