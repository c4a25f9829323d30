// Escaping text for XML and HTML (SVG charts, reports).
#ifndef MAI_CORE_XML_H_
#define MAI_CORE_XML_H_

#include <string>
#include <string_view>

namespace mai {

// `text` with & < > " ' replaced by &amp; &lt; &gt; &quot; &#39;, safe in
// element content and in quoted attribute values. Bytes pass through
// otherwise: text from untrusted sources must be valid UTF-8 without
// control characters first (server/svg_charts.h SanitizeLabel).
std::string XmlEscape(std::string_view text);

}  // namespace mai

#endif  // MAI_CORE_XML_H_
