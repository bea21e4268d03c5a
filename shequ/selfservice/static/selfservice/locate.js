/* "获取我的位置": fill the hidden lng/lat fields from the browser's geolocation.
   Without JavaScript or without permission the address field is the fallback. */
(function () {
  "use strict";
  var button = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  var lng = document.getElementById("id_lng");
  var lat = document.getElementById("id_lat");
  if (!button || !lng || !lat || !("geolocation" in navigator)) { return; }
  button.hidden = false;
  function say(text) { status.textContent = text; }
  button.addEventListener("click", function () {
    button.disabled = true;
    say(button.dataset.busy);
    navigator.geolocation.getCurrentPosition(function (pos) {
      lng.value = pos.coords.longitude.toFixed(6);
      lat.value = pos.coords.latitude.toFixed(6);
      button.disabled = false;
      say(button.dataset.done + " (" + lat.value + ", " + lng.value + ")");
    }, function () {
      lng.value = "";
      lat.value = "";
      button.disabled = false;
      say(button.dataset.fail);
      var address = document.getElementById("id_address_text");
      if (address) { address.focus(); }
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });
}());
