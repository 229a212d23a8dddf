export declare const SERVER_BUILD_DIR: string;
export declare function buildServer(entry?: string): Promise<string>;
