// Packages a README snippet imports that this repository does not install, declared as their own
// documentation gives them (only what the README uses).

// https://docs.cdp.coinbase.com/sdks/cdp-sdks-v2/typescript/auth (JwtOptions)
declare module '@coinbase/cdp-sdk/auth' {
  export function generateJwt(options: {
    apiKeyId: string
    apiKeySecret: string
    requestMethod?: string | null
    requestHost?: string | null
    requestPath?: string | null
    expiresIn?: number
  }): Promise<string>
}
