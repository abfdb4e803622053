#ifndef QRC_VERSION_H
#define QRC_VERSION_H
#define QRC_VERSION "0.1.0"
/* Default-domain opsets an export can be asked for: QuantizeLinear exists from 10, and 21 is the
 * newest opset the runtime and its converter know. */
#define QRC_EXPORT_OPSET_MIN 10
#define QRC_EXPORT_OPSET_MAX 21
#endif
