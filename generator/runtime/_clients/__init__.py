"""What the generated clients run on: the HTTP transport and its retries (``http``, ``retry``), a response
read into its model (``response``), pages (``pagination``), waiting for a job (``jobs``) and streamed downloads
(``download``). Each ``evaljobs.<api>`` client is generated over these; nothing here knows one API."""
