export { appConfig, AppConfig } from './app.config';
export { authConfig, AuthConfig } from './auth.config';
export { dcrConfig, DcrConfig, DcrMode } from './dcr.config';
export { toolsConfig, ToolsConfig } from './tools.config';
export { ConfigValidationError } from './validate-environment';
