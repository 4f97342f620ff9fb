// The example server's HTML view: what a browser gets instead of JSON (Accept: text/html).
// One page with the session's fields, its flash messages and a form per action, each form
// with the session's CSRF token; every piece of text that came from a visitor (user name,
// cart items, notes and messages that quote them) is escaped.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace page {

// A flash message: its level's tag ("success", "info", ...) and its text.
struct flash {
  std::string level;
  std::string text;
};

// What the page shows, for JSON and HTML alike.
struct view {
  std::string server;
  std::string note;
  int visits = 0;
  std::optional<std::string> user;
  std::vector<std::string> cart;
  std::int64_t history = 0;
  std::string lives_in;  // "cookie" or "store"
  std::int64_t set_cookie_bytes = 0;
  std::optional<std::string> rejected_cookie;
  std::string csrf_token;       // for the forms' csrfmiddlewaretoken
  std::vector<flash> messages;  // shown once, on this page
};

// Text for an HTML element or a quoted attribute value.
inline std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The hidden field Django's {% csrf_token %} renders.
inline std::string csrf_input(std::string_view token) {
  return "<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"" + escape(token) + "\">";
}

inline std::string head(std::string_view title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         escape(title) +
         "</title>\n<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}"
         "dt{font-weight:bold}form{margin:.5em 0}</style>\n</head>\n<body>\n";
}

// A form field: its name and the rest of its <input> attributes.
struct field {
  std::string_view name;
  std::string_view attributes;
};

// A form posting to `action` with the CSRF token, its fields and a button.
inline std::string form(std::string_view id, std::string_view action, std::string_view button,
                        std::string_view csrf_token, std::initializer_list<field> fields = {}) {
  std::string out = "<form id=\"" + std::string(id) + "\" method=\"post\" action=\"" +
                    std::string(action) + "\">" + csrf_input(csrf_token);
  for (const field& f : fields)
    out +=
        "<input name=\"" + std::string(f.name) + "\" " + std::string(f.attributes) + " required> ";
  return out + "<button type=\"submit\">" + std::string(button) + "</button></form>\n";
}

inline std::string html(const view& v) {
  std::string out = head("crumb: server " + v.server);
  out += "<h1>Server <span id=\"server\">" + escape(v.server) + "</span></h1>\n";
  out += "<p id=\"note\">" + escape(v.note) + "</p>\n";
  if (!v.messages.empty()) {
    out += "<ul id=\"messages\">";
    for (const flash& m : v.messages)
      out += "<li class=\"" + escape(m.level) + "\">" + escape(m.text) + "</li>";
    out += "</ul>\n";
  }
  out += "<dl>\n";
  out += "<dt>Visits</dt><dd id=\"visits\">" + std::to_string(v.visits) + "</dd>\n";
  out +=
      "<dt>User</dt><dd id=\"user\">" + (v.user ? escape(*v.user) : "(not logged in)") + "</dd>\n";
  out += "<dt>Cart</dt><dd><ul id=\"cart\">";
  for (const std::string& item : v.cart) {
    out += "<li><span class=\"item\">" + escape(item) +
           "</span> <form class=\"cart-remove\" method=\"post\" action=\"/cart/remove\" "
           "style=\"display:inline\">" +
           csrf_input(v.csrf_token) + "<input type=\"hidden\" name=\"item\" value=\"" +
           escape(item) + "\"><button type=\"submit\">remove</button></form></li>";
  }
  out += "</ul></dd>\n";
  out += "<dt>History</dt><dd><span id=\"history\">" + std::to_string(v.history) +
         "</span> page views</dd>\n";
  out += "<dt>Session lives in</dt><dd><span id=\"lives-in\">" + escape(v.lives_in) +
         "</span> (Set-Cookie: <span id=\"set-cookie-bytes\">" +
         std::to_string(v.set_cookie_bytes) + "</span> bytes)</dd>\n";
  if (v.rejected_cookie)
    out += "<dt>Rejected cookie</dt><dd id=\"rejected-cookie\">" + escape(*v.rejected_cookie) +
           "</dd>\n";
  out += "</dl>\n";
  const std::string& t = v.csrf_token;
  if (v.user) {
    out += form("logout", "/logout", "Log out", t);
    out += form("logout-everywhere", "/logout/everywhere", "Log out everywhere", t);
    out += form(
        "password", "/password", "Change password", t,
        {{"password", "type=\"password\" maxlength=\"256\" placeholder=\"current password\""},
         {"new_password", "type=\"password\" maxlength=\"256\" placeholder=\"new password\""}});
  } else {
    out += form("login", "/login", "Log in", t,
                {{"user", "maxlength=\"64\" placeholder=\"name\""},
                 {"password", "type=\"password\" maxlength=\"256\" placeholder=\"password\""}});
  }
  out += form("cart-add", "/cart/add", "Add to cart", t,
              {{"item", "maxlength=\"64\" placeholder=\"item\""}});
  out += form("history-add", "/history", "View pages", t,
              {{"n", "type=\"number\" min=\"1\" max=\"1000\" value=\"1\""}});
  out += form("history-clear", "/history/clear", "Clear history", t);
  return out + "</body>\n</html>\n";
}

// An error (400, 403, 409, 500, 503) for a browser: the status and its short text.
inline std::string error(int status, std::string_view text) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return head("crumb: error " + std::to_string(status)) + "<h1>Error " + std::to_string(status) +
         "</h1>\n<p id=\"error\">" + escape(text) +
         "</p>\n<p><a href=\"/\">Back</a></p>\n</body>\n</html>\n";
}

}  // namespace page
