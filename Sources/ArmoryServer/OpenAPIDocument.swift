/// The OpenAPI 3.1 description of the API, served at `/openapi.json`.
enum OpenAPIDocument {
    static let text = """
    {"openapi":"3.1.0","info":{"title":"Armory","version":"1"},"paths":{}}
    """
}
