// Small page behaviours, bound by data attributes (the content security policy allows no inline handlers).
document.addEventListener("focusin", function (event) {
  if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
});
document.addEventListener("keydown", function (event) {
  if (event.key === "Enter" && event.target.matches && event.target.matches("[data-no-enter-submit]")) event.preventDefault();
});
// Menu groups: one open at a time; a click elsewhere or Escape closes them.
document.addEventListener("toggle", function (event) {
  var opened = event.target;
  if (!opened.matches || !opened.matches("[data-navgroup]") || !opened.open) return;
  document.querySelectorAll("[data-navgroup][open]").forEach(function (other) { if (other !== opened) other.open = false; });
}, true);
document.addEventListener("click", function (event) {
  document.querySelectorAll("[data-navgroup][open]").forEach(function (group) { if (!group.contains(event.target)) group.open = false; });
});
document.addEventListener("keydown", function (event) {
  if (event.key === "Escape") document.querySelectorAll("[data-navgroup][open]").forEach(function (group) { group.open = false; });
});
