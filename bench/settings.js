'use strict';
// Reading the bench's knobs from the environment: bounded, or the run stops with a message naming the knob.

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

module.exports = { intSetting, choiceSetting, logLevelSetting };
