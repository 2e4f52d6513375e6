/** The local cluster helpers live beside the bench that shares them (scripts/engineCluster.ts). */
export * from "../../scripts/engineCluster";
