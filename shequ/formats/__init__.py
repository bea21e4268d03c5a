"""Project date formats (settings ``FORMAT_MODULE_PATH``): Django's own per language, except where
they break our pages."""
