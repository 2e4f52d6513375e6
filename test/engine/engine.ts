/** The real-engine helpers live beside the bench that shares them (scripts/engine.ts). */
export * from "../../scripts/engine";
