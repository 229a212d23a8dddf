export declare function buildServer(entry?: string): Promise<string>;
