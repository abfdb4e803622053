#ifndef QRC_VERSION_H
#define QRC_VERSION_H
#define QRC_VERSION "0.1.0"
#endif
