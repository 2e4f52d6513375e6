/**
 * The GrowNext platform program: validated config, then the platform, then the stack outputs the
 * smoke probes and CI read. Invalid config stops here with one line per problem.
 */
import { loadConfig } from "./config/load";
import { Platform } from "./components/platform";
import { declareWithShallowStacks } from "./wiring/shallowStacks";

const config = loadConfig();
// Without the SDK's per-promise stack traces while declaring (wiring/shallowStacks.ts says what is kept).
// A named function: the SDK reads the Platform's source position from this frame, and none from an anonymous one.
const declarePlatform = () => new Platform("grownext", { config });
const platform = declareWithShallowStacks(declarePlatform);

export const environment = config.environment;
export const namespace = platform.namespace;
export const apiUrl = platform.urls.api;
export const identityUrl = platform.urls.identity;
export const portalUrl = platform.urls.portal;
export const identityIssuer = platform.urls.identity;
export const images = config.images;
export const renderDirectory = platform.renderDirectory;
