/** One configuration key: where it may appear, its type, default and one-line documentation. */
export type KeyType = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'port';
export type KeyValue = string | number | boolean;

export interface KeySpec {
  key: string;
  type: KeyType;
  /** undefined = no default (optional unless `required`). */
  default?: KeyValue;
  /**
   * 'general': only in [general] (service-wide settings).
   * 'inherited': in [general] as the default, overridable in any source section.
   * 'source': only in source sections.
   */
  scope: 'general' | 'inherited' | 'source';
  /** Source types the key is meaningful for (source/inherited scopes). */
  types?: readonly ('stream' | 'soundcard' | 'tone')[];
  required?: boolean;
  min?: number;
  max?: number;
  /** Allowed values for 'enum'. */
  values?: readonly string[];
  /** Environment variable that overrides the [general] value. */
  env?: string;
  /** A secret shown only redacted (/api/config): 'value' = the whole value (`***`), 'url' = a URL's credentials. */
  secret?: 'value' | 'url';
  doc: string;
}
