/**
 * #13 TOOL_MODE's default is the project's: tools.json `toolMode` (the portcullis config's choice), else auto. The
 * variable still wins; --help, --print-config and the settings list show the project's default.
 */
import { describe, expect, it } from 'vitest';
import type { ServerDefinition } from '../../templates/runtime/definition.js';
import { SettingError } from '../../templates/runtime/errors.js';
import { helpText, printConfig } from '../../templates/runtime/main.js';
import { settingDefinitions } from '../../templates/runtime/setting-definitions.js';
import { describeSettings, readSettings } from '../../templates/runtime/settings.js';
import { emptyDefinition } from './fixtures/definition.js';

const base: ServerDefinition = emptyDefinition();
const OAUTH = { OAUTH_ISSUER: 'https://auth.example.com' } as const;
const row = (definition: ServerDefinition) => describeSettings(definition).find((setting) => setting.variable === 'TOOL_MODE')!;

describe('#13 TOOL_MODE follows the definition', () => {
  it('#13 defaults to auto when tools.json says nothing', () => {
    expect(readSettings({ ...OAUTH }, base).toolMode).toBe('auto');
    expect(row(base).default).toBe('auto');
    expect(settingDefinitions().toolMode.fallback).toBe('auto');
  });

  it('#13 defaults to the definition toolMode, for every mode', () => {
    for (const toolMode of ['direct', 'discovery', 'auto'] as const) {
      const definition = { ...base, toolMode };
      expect(readSettings({ ...OAUTH }, definition).toolMode).toBe(toolMode);
      expect(readSettings({ ...OAUTH, TOOL_MODE: '  ' }, definition).toolMode).toBe(toolMode);
      expect(row(definition).default).toBe(toolMode);
    }
  });

  it('#13 the TOOL_MODE variable overrides the definition, and a bad value is still refused', () => {
    expect(readSettings({ ...OAUTH, TOOL_MODE: 'auto' }, { ...base, toolMode: 'direct' }).toolMode).toBe('auto');
    expect(readSettings({ ...OAUTH, TOOL_MODE: 'direct' }, { ...base, toolMode: 'discovery' }).toolMode).toBe('direct');
    expect(() => readSettings({ ...OAUTH, TOOL_MODE: 'everything' }, { ...base, toolMode: 'direct' })).toThrow(SettingError);
  });

  it('#13 --help and --print-config show the project default', () => {
    const definition = { ...base, toolMode: 'discovery' as const };
    const help = helpText(definition).split('\n').find((line) => line.trimStart().startsWith('TOOL_MODE '))!;
    expect(help).toMatch(/\(default: discovery\)$/);
    const printed = printConfig(definition, { ...OAUTH }).split('\n').find((line) => line.startsWith('TOOL_MODE='))!;
    expect(printed).toMatch(/^TOOL_MODE=discovery\s+# default$/);
    expect(printConfig(definition, { ...OAUTH, TOOL_MODE: 'direct' }).split('\n').find((line) => line.startsWith('TOOL_MODE='))).toMatch(/^TOOL_MODE=direct\s+# env$/);
  });

  it('#13 a toolMode the generator never writes (a hand-edited tools.json) stops the start, naming TOOL_MODE', () => {
    const edited = { ...base, toolMode: 'everything' } as unknown as ServerDefinition;
    expect(() => readSettings({ ...OAUTH, TOOL_MODE: 'direct' }, edited)).toThrow(
      new SettingError('TOOL_MODE', 'its default in tools.json ("toolMode": "everything") is not one of direct, discovery, auto; regenerate the project', 'discovery'),
    );
    expect(() => helpText(edited)).toThrow(SettingError);
  });
});
