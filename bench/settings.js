'use strict';
// Reading the bench's knobs from the environment: bounded, or the run stops with a message naming the knob.

const { existsSync } = require('node:fs');
const path = require('node:path');

function intSetting(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
  }
  return value;
}

function choiceSetting(name, fallback, choices) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!choices.includes(raw)) throw new Error(`${name} must be one of ${choices.join(', ')} (got "${raw}")`);
  return raw;
}

const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'];

/** The gateway's LOG_LEVEL under test: the production default `log` writes one access line per request. */
function logLevelSetting() {
  return choiceSetting('BENCH_LOG_LEVEL', 'log', LOG_LEVELS);
}

/**
 * BENCH_COMPARE_DIST: the dist/ of another build, measured in S0 beside this one ("compare-*");
 * BENCH_GATEWAY_DIST: the dist/ of the gateway under test (default: this checkout's).
 */
function distSetting(name) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const dist = path.resolve(raw);
  if (!existsSync(path.join(dist, 'gateway.js'))) throw new Error(`${name}: no gateway.js in ${dist}`);
  return dist;
}

module.exports = { intSetting, choiceSetting, logLevelSetting, distSetting };
