/**
 * Network names as sellers type them: the known ones autocomplete, and any other string (a CAIP-2
 * id such as `eip155:10`, or the name of a network added in `networks`) is still accepted, since
 * the configuration is checked at setup, not by the type. `(string & {})` keeps the literals from
 * collapsing into `string`, which would hide them from the editor.
 */
export type KnownNetworkName =
  | 'base'
  | 'base-sepolia'
  | 'avalanche'
  | 'avalanche-fuji'
  | 'polygon'
  | 'polygon-amoy'
  | 'eip155:8453'
  | 'eip155:84532'
  | 'eip155:43114'
  | 'eip155:43113'
  | 'eip155:137'
  | 'eip155:80002'

export type NetworkName = KnownNetworkName | `eip155:${number}` | (string & {})
