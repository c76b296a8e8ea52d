/** Name of the runtime port a content script opens (one per frame). Its own module: the content script imports nothing heavier. */
export const PAGE_PORT_NAME = 'kyso/page';
