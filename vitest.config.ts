import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup/secret-leak-harness.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    benchmark: {
      include: ["bench/**/*.bench.ts"],
    },
  },
});
