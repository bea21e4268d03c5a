// Small page behaviours, bound by data attributes (the content security policy allows no inline handlers).
document.addEventListener("focusin", function (event) {
  if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
});
document.addEventListener("keydown", function (event) {
  if (event.key === "Enter" && event.target.matches && event.target.matches("[data-no-enter-submit]")) event.preventDefault();
});
