/** Where the CLI keeps its push ledger unless `--ledger` or `HRFLOW_CONNECTORS_LEDGER` says otherwise. */
export const DEFAULT_LEDGER = ".hrflow-connectors/ledger.sqlite";
