import type { EncoderContext } from '../../contracts.js';
import { UsageError } from '../../errors.js';
import type { LabelConfig } from '../../label-config.js';

/** Formats that read control tags need the project's label config. */
export function requireLabelConfig(ctx: EncoderContext, format: string): LabelConfig {
  if (!ctx.labelConfig) {
    throw new UsageError(
      `${format} needs the project's label config: pass --label-config FILE (XML, or the parsed JSON form), or read from the database`,
    );
  }
  return ctx.labelConfig;
}
