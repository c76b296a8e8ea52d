/**
 * Name of the native messaging host: the browser finds `<name>.json` in its NativeMessagingHosts folder and
 * the extension calls `runtime.connectNative(NATIVE_HOST_NAME)`. Only lowercase, digits, `_` and `.`
 * [Chrome native messaging, "Native messaging host"].
 */
export const NATIVE_HOST_NAME = 'vn.kyso.host';
