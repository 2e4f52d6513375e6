/**
 * The GrowNext platform program: validated config, then the platform, then the stack outputs the
 * smoke probes and CI read. Invalid config stops here with one line per problem.
 */
import { loadConfig } from "./config/load";
import { Platform } from "./components/platform";

const config = loadConfig();
const platform = new Platform("grownext", { config });

export const environment = config.environment;
export const namespace = platform.namespace;
export const apiUrl = platform.urls.api;
export const identityUrl = platform.urls.identity;
export const portalUrl = platform.urls.portal;
export const identityIssuer = platform.urls.identity;
export const images = config.images;
export const renderDirectory = platform.renderDirectory;
