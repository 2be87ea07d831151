// Stand-ins for the globals of Bun and Deno, whose own type packages (@types/bun, Deno's built-in
// types) a project on those runtimes has. Only the call the README makes is declared.
export declare const Bun: { serve(options: { fetch(request: Request): Response | Promise<Response> }): unknown }
export declare const Deno: { serve(handler: (request: Request) => Response | Promise<Response>): unknown }
