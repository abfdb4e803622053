/* quote.h — how a name is written in a recipe, for every suggestion qrc prints (check's fixes, hints,
 * "closest names" lists), so that what is suggested can be pasted.
 *
 * A recipe takes a name bare when it is a plain identifier ([A-Za-z_][A-Za-z0-9_]*, the lexer's NAME
 * token) and in double quotes otherwise ("p2o.DynamicDimension.0", "layer1.0.conv1"). Some places
 * take only a string (module selectors, file paths): quote_string always quotes.
 *
 * Ownership: the results are written into the caller's buffer and returned; nothing is allocated. */
#ifndef QRC_QUOTE_H
#define QRC_QUOTE_H

#include <stdbool.h>
#include <stddef.h>

/* True when name can be written bare in a recipe. */
bool quote_is_plain(const char *name);
/* name as a recipe string: in double quotes, '"' and '\' escaped. Truncated to fit buf. */
const char *quote_string(char *buf, size_t size, const char *name);
/* name as a recipe writes it where a name or a string may stand: bare when plain, else quote_string. */
const char *quote_name(char *buf, size_t size, const char *name);
/* name inside a sentence ("did you mean ...?"): 'name' when plain, else quote_string, which pastes. */
const char *quote_in_text(char *buf, size_t size, const char *name);

#endif
